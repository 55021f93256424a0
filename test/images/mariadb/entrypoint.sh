#!/bin/sh
# Entrypoint of local/mariadb:test (built by scripts/test-env.sh from Debian's mariadb-server).
# Mimics the parts of the official image the tests rely on:
#   MYSQL_ROOT_PASSWORD, MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD (MARIADB_* aliases accepted)
# are applied on the first start of a data directory, then mariadbd runs in the foreground,
# listening on 0.0.0.0:3306 and on the default socket /run/mysqld/mysqld.sock.
# Secrets are read from the environment and piped to the client on stdin, never echoed or put on argv.
set -eu

DATADIR=/var/lib/mysql
# Debian's package already initialises $DATADIR inside the image, so "$DATADIR/mysql exists"
# says nothing about whether the environment was applied: use a marker of our own.
MARKER="$DATADIR/.backupbot-initialised"

root_password=${MYSQL_ROOT_PASSWORD:-${MARIADB_ROOT_PASSWORD:-}}
database=${MYSQL_DATABASE:-${MARIADB_DATABASE:-}}
user=${MYSQL_USER:-${MARIADB_USER:-}}
password=${MYSQL_PASSWORD:-${MARIADB_PASSWORD:-}}

log() { printf 'entrypoint: %s\n' "$*" >&2; }

# SQL string literal / identifier quoting (values may contain quotes or backslashes).
sql_string() { printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"; }
# printf, not echo: dash's echo would interpret the backslashes of escaped values.
sql() { printf '%s\n' "$*"; }
sql_ident() { printf '`%s`' "$(printf '%s' "$1" | sed -e 's/`/``/g')"; }

mkdir -p /run/mysqld "$DATADIR"
chown mysql:mysql /run/mysqld "$DATADIR"

if [ ! -f "$MARKER" ]; then
	if [ ! -d "$DATADIR/mysql" ]; then
		log "empty data directory: running mariadb-install-db"
		mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db >/dev/null
	fi

	log "first start: applying MYSQL_* environment"
	sock=/run/mysqld/init.sock
	mariadbd --user=mysql --datadir="$DATADIR" --skip-networking \
		--socket="$sock" --pid-file=/run/mysqld/init.pid >/run/mysqld/init.log 2>&1 &
	pid=$!

	i=0
	until mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			log "bootstrap server exited:"; cat /run/mysqld/init.log >&2; exit 1
		fi
		i=$((i + 1))
		if [ "$i" -gt 300 ]; then
			log "bootstrap server not ready after 60 s:"; cat /run/mysqld/init.log >&2; exit 1
		fi
		sleep 0.2
	done

	{
		# No anonymous accounts: they would shadow 'user'@'%' for local connections.
		sql "DELETE FROM mysql.global_priv WHERE User='';"
		sql "FLUSH PRIVILEGES;"
		if [ -n "$root_password" ]; then
			pw=$(sql_string "$root_password")
			sql "ALTER USER 'root'@'localhost' IDENTIFIED BY $pw;"
			sql "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY $pw;"
			sql "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION;"
		fi
		if [ -n "$database" ]; then
			sql "CREATE DATABASE IF NOT EXISTS $(sql_ident "$database");"
		fi
		if [ -n "$user" ]; then
			u=$(sql_string "$user")
			pw=$(sql_string "$password")
			for host in "'%'" "'localhost'"; do
				sql "CREATE USER IF NOT EXISTS $u@$host IDENTIFIED BY $pw;"
				if [ -n "$database" ]; then
					sql "GRANT ALL PRIVILEGES ON $(sql_ident "$database").* TO $u@$host;"
				fi
			done
		fi
		sql "FLUSH PRIVILEGES;"
	} | mariadb --protocol=socket --socket="$sock" -uroot

	kill "$pid"
	wait "$pid" || true
	rm -f "$sock" /run/mysqld/init.pid /run/mysqld/init.log
	touch "$MARKER"
	chown mysql:mysql "$MARKER"
	log "initialisation done"
fi

exec mariadbd --user=mysql --datadir="$DATADIR" --bind-address=0.0.0.0 "$@"
