#!/bin/sh
# Entrypoint of local/postgres:test (built by scripts/test-env.sh from Debian's postgresql).
# Mimics the parts of the official image the tests rely on:
#   PGDATA (default /var/lib/postgresql/data), POSTGRES_USER (default postgres),
#   POSTGRES_PASSWORD (required unless POSTGRES_HOST_AUTH_METHOD=trust),
#   POSTGRES_DB (default $POSTGRES_USER; created when it is not "postgres").
# Local (unix socket) connections are trusted, TCP connections need the password
# (scram-sha-256), like the official image. postgres listens on '*':5432.
# The password goes to initdb through a temporary file, never through argv.
set -eu

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-}
HOST_AUTH=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

log() { printf 'entrypoint: %s\n' "$*" >&2; }

for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/postgres" ] && PATH="$d:$PATH"
done
export PATH

export HOME=/var/lib/postgresql

# Run a command as the postgres user with whatever the image offers (util-linux's setpriv
# or runuser; su as a last resort). as_postgres exec ... replaces the shell.
as_postgres() {
	ex=
	if [ "$1" = exec ]; then ex=exec; shift; fi
	if command -v setpriv >/dev/null 2>&1; then
		$ex setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
	elif command -v runuser >/dev/null 2>&1; then
		$ex runuser -u postgres -- "$@"
	else
		# su takes one command string and may reset PATH: absolute program, quoted arguments.
		prog=$(command -v "$1"); shift
		cmd="'$prog'"
		for a in "$@"; do
			cmd="$cmd '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
		done
		$ex su postgres -s /bin/sh -c "$cmd"
	fi
}

mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
chmod 2775 /run/postgresql

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$HOST_AUTH" != trust ]; then
		log "POSTGRES_PASSWORD is empty: set it (or POSTGRES_HOST_AUTH_METHOD=trust)"
		exit 1
	fi
	log "first start: initdb for user $POSTGRES_USER"
	pwfile=
	if [ -n "$POSTGRES_PASSWORD" ]; then
		pwfile=$(mktemp)
		printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
		chown postgres "$pwfile"
		chmod 600 "$pwfile"
	fi
	as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" ${pwfile:+"--pwfile=$pwfile"} \
		--encoding=UTF8 --no-locale --auth-local=trust --auth-host="$HOST_AUTH" >/dev/null
	if [ -n "$pwfile" ]; then rm -f "$pwfile"; fi

	printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"
	printf 'host all all all %s\n' "$HOST_AUTH" >>"$PGDATA/pg_hba.conf"

	if [ "$POSTGRES_DB" != postgres ]; then
		log "creating database $POSTGRES_DB"
		sockdir=$(mktemp -d)
		chown postgres "$sockdir"
		as_postgres pg_ctl -D "$PGDATA" -w -t 60 -l "$sockdir/init.log" \
			-o "-c listen_addresses='' -c unix_socket_directories=$sockdir" start >/dev/null
		printf 'CREATE DATABASE :"db";\n' |
			as_postgres psql -X -q -v ON_ERROR_STOP=1 -v db="$POSTGRES_DB" \
				-h "$sockdir" -U "$POSTGRES_USER" -d postgres
		as_postgres pg_ctl -D "$PGDATA" -w -m fast stop >/dev/null
		rm -rf "$sockdir"
	fi
	log "initialisation done"
fi

as_postgres exec postgres -D "$PGDATA" "$@"
