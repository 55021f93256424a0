#!/usr/bin/env bash
# Prepare a machine for backupbot's integration tests. Idempotent: safe to re-run.
#
#   1. installs docker.io, docker-compose (v1), busybox-static, mmdebstrap, zstd, and for the
#      restic backends of test/support/restic-servers.ts restic, rclone (`rclone serve restic`),
#      openssh-server (sshd for SFTP), openssl (s3rver's certificate) and systemd (systemd-analyze
#      checks the units `backupbot schedule systemd` writes), when missing (Debian 12, as root, non-interactive:
#      `apt-get update` runs once, only if needed). No server is started for restic: the tests
#      start their own on 127.0.0.1 and stop them;
#   2. starts dockerd when `docker info` fails (log: /var/log/dockerd.log);
#   3. builds the local test images, skipping those already present and up to date
#      (each carries a `backupbot.test.recipe` label; a changed recipe, e.g. an edited
#      test/images/*/entrypoint.sh, triggers a rebuild):
#        local/busybox:test            busybox applets, ENV PATH=/bin              (~1 s)
#        local/backupbot-example:test  examples/quickstart/Dockerfile on busybox   (~1 s)
#        local/mariadb:test            Debian mariadb-server + test/images/mariadb (~1 min)
#        local/postgres:test           Debian postgresql 15 + test/images/postgres (~1 min)
#      (the DB images sit on local/mariadb-rootfs:test / local/postgres-rootfs:test, the
#      imported mmdebstrap trees, so an entrypoint change rebuilds in seconds).
#      Freshly built DB images are started once and checked with mysqldump / pg_dump.
#
# Environment:
#   BACKUPBOT_TEST_IMAGES   comma list of images to build: busybox (also builds the example
#                           image), example, mariadb, postgres, all, none. Default: all.
#   BACKUPBOT_TEST_REBUILD  1: rebuild the selected images (including the DB root filesystems).
#   BACKUPBOT_TEST_VERIFY   1: run the DB image checks even when nothing was rebuilt.
#
# Progress goes to stderr; nothing goes to stdout.
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
APT_LOG=/var/log/backupbot-test-env-apt.log
DOCKERD_LOG=/var/log/dockerd.log
RECIPE_LABEL=backupbot.test.recipe
SUITE=bookworm
export DOCKER_BUILDKIT=0 # no buildx here: the classic builder works offline from local images
export DOCKER_CLI_HINTS=false

log() { printf '[test-env %4ss] %s\n' "$SECONDS" "$*" >&2; }
die() {
	log "ERROR: $*"
	exit 1
}
is_root() { [ "$(id -u)" = 0 ]; }

TMP_DIRS=()
CONTAINERS=()
VERIFYING_IMAGE=
POLICY_RC_CREATED=
cleanup() {
	local c d
	if [ -n "$POLICY_RC_CREATED" ]; then rm -f /usr/sbin/policy-rc.d; fi
	for c in "${CONTAINERS[@]}"; do docker rm -f -v "$c" >/dev/null 2>&1 || true; done
	for d in "${TMP_DIRS[@]}"; do rm -rf "$d"; done
	if [ -n "$VERIFYING_IMAGE" ]; then
		# A failed check must not leave an image that the next run takes as up to date.
		docker rmi -f "$VERIFYING_IMAGE" >/dev/null 2>&1 || true
		log "removed $VERIFYING_IMAGE, which failed its check"
	fi
}
trap cleanup EXIT
new_tmp_dir() { # new_tmp_dir VAR: a fresh directory on disk (not tmpfs: rootfs tarballs are ~500 MB)
	local d
	d=$(mktemp -d -p /var/tmp backupbot-test-env.XXXXXX 2>/dev/null || mktemp -d)
	TMP_DIRS+=("$d")
	printf -v "$1" '%s' "$d"
}
show_tail() { # show_tail FILE: last lines of a log, to stderr
	[ -f "$1" ] && tail -n "${2:-40}" "$1" | sed 's/^/    | /' >&2 || true
}

# One run at a time per machine (apt, dockerd start and image tags are global).
if is_root; then
	mkdir -p /run/lock
	lockfile=/run/lock/backupbot-test-env.lock
else
	lockfile=${TMPDIR:-/tmp}/backupbot-test-env.$(id -u).lock
fi
if command -v flock >/dev/null 2>&1; then
	exec 9>"$lockfile"
	flock -w 1800 9 || die "another scripts/test-env.sh still holds $lockfile"
fi

# ---------------------------------------------------------------- 1. packages
busybox_static_ok() {
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' &&
		[ -x /bin/busybox ]
}
# sshd and the sftp-server it runs for SFTP clients (openssh-server depends on openssh-sftp-server
# and openssh-client, which brings ssh, the command restic runs to reach an sftp: repository).
sshd_ok() { [ -x /usr/sbin/sshd ] && [ -x /usr/lib/openssh/sftp-server ] && command -v ssh >/dev/null 2>&1; }
COMMANDS=(docker dockerd docker-compose mmdebstrap zstd restic rclone openssl systemd-analyze)
missing=()
for cmd in "${COMMANDS[@]}"; do
	command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
done
busybox_static_ok || missing+=(busybox-static)
sshd_ok || missing+=(openssh-server)

if [ "${#missing[@]}" -gt 0 ]; then
	is_root || die "missing: ${missing[*]}; run this script as root to install them"
	command -v apt-get >/dev/null 2>&1 || die "missing: ${missing[*]}, and no apt-get to install them"
	log "missing: ${missing[*]}; installing packages (apt log: $APT_LOG)"
	export DEBIAN_FRONTEND=noninteractive
	apt_opts=(-q -o DPkg::Lock::Timeout=600)
	# Keep the postinsts of docker.io and openssh-server from starting dockerd / sshd through
	# their init scripts (that start can fail without systemd and fail the install; and no sshd
	# may listen on port 22): this script starts dockerd itself, the tests start their own sshd.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		POLICY_RC_CREATED=1
	fi
	if ! apt-get "${apt_opts[@]}" update >"$APT_LOG" 2>&1; then
		show_tail "$APT_LOG"
		die "apt-get update failed"
	fi
	if ! apt-get "${apt_opts[@]}" install -y docker.io docker-compose busybox-static mmdebstrap zstd \
		restic rclone openssh-server openssl systemd </dev/null >>"$APT_LOG" 2>&1; then
		show_tail "$APT_LOG"
		die "apt-get install failed"
	fi
	if [ -n "$POLICY_RC_CREATED" ]; then
		rm -f /usr/sbin/policy-rc.d
		POLICY_RC_CREATED=
	fi
	hash -r
	for cmd in "${COMMANDS[@]}"; do
		command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after apt-get install"
	done
	busybox_static_ok || die "busybox-static still missing after apt-get install"
	sshd_ok || die "sshd (/usr/sbin/sshd, /usr/lib/openssh/sftp-server, ssh) still missing after apt-get install"
	log "packages installed"
else
	log "packages present: ${COMMANDS[*]} busybox-static openssh-server"
fi

# ---------------------------------------------------------------- 2. engine
engine_up() { timeout 20 docker info >/dev/null 2>&1; }

if engine_up; then
	log "docker engine is running"
else
	case "${DOCKER_HOST:-unix:///var/run/docker.sock}" in
	unix:///var/run/docker.sock | unix:///run/docker.sock) ;;
	*) die "DOCKER_HOST=$DOCKER_HOST does not answer; this script only starts the local dockerd" ;;
	esac
	is_root || die "docker engine not reachable; run this script as root to start dockerd"

	starting=
	if [ -f /var/run/docker.pid ]; then
		pid=$(cat /var/run/docker.pid 2>/dev/null || true)
		if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
			starting=$pid
			log "dockerd (pid $pid) is already running but not answering yet; waiting"
		else
			log "removing stale /var/run/docker.pid"
			rm -f /var/run/docker.pid
		fi
	fi
	if [ -z "$starting" ]; then
		log "starting dockerd (log: $DOCKERD_LOG)"
		# dockerd outlives this script: it must not inherit the lock (fd 9) or any pipe of the
		# caller (a CI runner would wait for that pipe's EOF), so close every fd above 2.
		(
			for f in /proc/"$BASHPID"/fd/*; do
				fd=${f##*/}
				if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi
			done
			exec setsid dockerd >"$DOCKERD_LOG" 2>&1 </dev/null
		) &
	fi
	deadline=$((SECONDS + 60))
	until engine_up; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			show_tail "$DOCKERD_LOG" 40
			die "docker engine did not come up within 60 s (see $DOCKERD_LOG)"
		fi
		sleep 0.5
	done
	log "docker engine is up ($(docker version -f '{{.Server.Version}}' 2>/dev/null || echo '?'))"
fi

# ---------------------------------------------------------------- 3. images
want_busybox= want_example= want_mariadb= want_postgres=
IFS=',' read -r -a requested <<<"${BACKUPBOT_TEST_IMAGES:-all}"
for name in "${requested[@]}"; do
	name=$(printf '%s' "$name" | tr -d '[:space:]' | tr '[:upper:]' '[:lower:]')
	case "$name" in
	'' | none) ;;
	all) want_busybox=1 want_example=1 want_mariadb=1 want_postgres=1 ;;
	busybox | example) want_busybox=1 want_example=1 ;;
	mariadb | mysql) want_mariadb=1 ;;
	postgres | postgresql) want_postgres=1 ;;
	*) die "BACKUPBOT_TEST_IMAGES: unknown image '$name' (use busybox, example, mariadb, postgres, all, none)" ;;
	esac
done

recipe_hash() { sha256sum | cut -c1-16; }
image_label() { docker image inspect -f "{{index .Config.Labels \"$RECIPE_LABEL\"}}" "$1" 2>/dev/null || true; }
image_id() { docker image inspect -f '{{.Id}}' "$1"; }
image_current() { # image_current IMAGE HASH
	[ "${BACKUPBOT_TEST_REBUILD:-0}" != 1 ] && [ "$(image_label "$1")" = "$2" ]
}
built_any=

BUSYBOX_APPLETS=(sh tar gzip ls cat sleep mkdir rm chmod chown ln touch stat find head dd
	sha256sum md5sum wc env id du true)

build_busybox() {
	local image=local/busybox:test hash dir a
	hash=$({
		echo busybox-recipe-1
		printf '%s\n' "${BUSYBOX_APPLETS[@]}"
		sha256sum </bin/busybox
	} | recipe_hash)
	if image_current "$image" "$hash"; then
		log "$image is up to date"
		return
	fi
	log "building $image"
	local available
	available=$(/bin/busybox --list)
	new_tmp_dir dir
	mkdir -p "$dir/root/bin" "$dir/root/etc" "$dir/root/tmp" "$dir/root/root"
	chmod 1777 "$dir/root/tmp"
	cp /bin/busybox "$dir/root/bin/busybox"
	for a in "${BUSYBOX_APPLETS[@]}"; do
		grep -qx "$a" <<<"$available" || die "/bin/busybox has no '$a' applet"
		ln -s busybox "$dir/root/bin/$a"
	done
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' \
		>"$dir/root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$dir/root/etc/group"
	tar --numeric-owner --owner=0 --group=0 -C "$dir/root" -c . |
		docker import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' -c "LABEL $RECIPE_LABEL=$hash" - "$image" >/dev/null
	# /bin/busybox must be static: prove it runs alone in the image.
	docker run --rm --label backupbot.test=1 "$image" sh -c 'echo ok | sha256sum >/dev/null && tar --help >/dev/null 2>&1; true' ||
		die "$image does not run (is /bin/busybox static?)"
	built_any=1
	log "built $image"
}

build_example() {
	local image=local/backupbot-example:test ctx=$ROOT/examples/quickstart hash dir
	[ -f "$ctx/Dockerfile" ] || die "$ctx/Dockerfile is missing"
	hash=$({
		echo example-recipe-1
		image_id local/busybox:test
		cat "$ctx/Dockerfile"
	} | recipe_hash)
	if image_current "$image" "$hash"; then
		log "$image is up to date"
		return
	fi
	log "building $image"
	new_tmp_dir dir
	cp "$ctx/Dockerfile" "$dir/Dockerfile"
	if ! docker build -q --label "$RECIPE_LABEL=$hash" -t "$image" "$dir" >"$dir/build.log" 2>&1; then
		show_tail "$dir/build.log"
		die "docker build of $image failed"
	fi
	built_any=1
	log "built $image"
}

# build_db NAME PACKAGES PATH PORT: local/NAME-rootfs:test from mmdebstrap, then local/NAME:test
# with test/images/NAME/entrypoint.sh. Sets DB_REBUILT=1 when local/NAME:test was (re)built.
# (Not signalled by the exit status: `if build_db` would switch off set -e inside it.)
build_db() {
	DB_REBUILT=
	local name=$1 packages=$2 path=$3 port=$4
	local base=local/$name-rootfs:test image=local/$name:test
	local entry=$ROOT/test/images/$name/entrypoint.sh base_hash hash dir t0
	[ -f "$entry" ] || die "$entry is missing"

	base_hash=$(printf 'rootfs-recipe-1 %s %s %s\n' "$SUITE" "$packages" "$path" | recipe_hash)
	if image_current "$base" "$base_hash"; then
		log "$base is up to date"
	else
		t0=$SECONDS
		log "building $base with mmdebstrap ($packages; about a minute)"
		new_tmp_dir dir
		if ! mmdebstrap --variant=apt --include="$packages" \
			--dpkgopt='path-exclude=/usr/share/man/*' \
			--dpkgopt='path-exclude=/usr/share/doc/*' \
			--dpkgopt='path-include=/usr/share/doc/*/copyright' \
			--dpkgopt='path-exclude=/usr/share/locale/*' \
			"$SUITE" "$dir/rootfs.tar" </dev/null >"$dir/mmdebstrap.log" 2>&1; then
			show_tail "$dir/mmdebstrap.log"
			die "mmdebstrap for $base failed"
		fi
		docker import -c "ENV PATH=$path" -c "LABEL $RECIPE_LABEL=$base_hash" \
			"$dir/rootfs.tar" "$base" >/dev/null
		rm -rf "$dir"
		log "built $base in $((SECONDS - t0)) s"
	fi

	hash=$({
		echo db-recipe-1 "$port" "$path"
		image_id "$base"
		cat "$entry"
	} | recipe_hash)
	if image_current "$image" "$hash"; then
		log "$image is up to date"
		return
	fi
	log "building $image"
	new_tmp_dir dir
	cp "$entry" "$dir/entrypoint.sh"
	chmod 755 "$dir/entrypoint.sh"
	cat >"$dir/Dockerfile" <<-EOF
		FROM $base
		ENV PATH=$path
		COPY entrypoint.sh /usr/local/bin/backupbot-test-entrypoint.sh
		ENTRYPOINT ["/usr/local/bin/backupbot-test-entrypoint.sh"]
		EXPOSE $port
	EOF
	if ! docker build -q --label "$RECIPE_LABEL=$hash" -t "$image" "$dir" >"$dir/build.log" 2>&1; then
		show_tail "$dir/build.log"
		die "docker build of $image failed"
	fi
	built_any=1
	DB_REBUILT=1
	log "built $image"
}

# Test credentials with quotes and a backslash, to exercise the entrypoints' escaping.
VERIFY_ROOT_PW="r00t'pw\\x"
VERIFY_PW="us'er\\pw"

start_verify_container() { # start_verify_container NAME IMAGE ARGS...: sets VERIFY_CONTAINER
	local c="bbtest-verify-$1-$$-$RANDOM" image=$2
	shift 2
	CONTAINERS+=("$c")
	docker run -d --name "$c" --label backupbot.test=1 "$@" "$image" >/dev/null
	VERIFY_CONTAINER=$c
}
# wait_ready CONTAINER SECONDS CMD...: polls CMD (run with docker exec) until it succeeds
wait_ready() {
	local c=$1 limit=$2
	shift 2
	local deadline=$((SECONDS + limit))
	until docker exec "$@" >/dev/null 2>&1; do
		if [ "$(docker inspect -f '{{.State.Running}}' "$c" 2>/dev/null)" != true ]; then
			docker logs --tail 40 "$c" >&2 || true
			die "$c exited during start-up"
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			docker logs --tail 40 "$c" >&2 || true
			die "$c not ready after $limit s"
		fi
		sleep 0.5
	done
}

verify_mariadb() {
	local c out t0=$SECONDS
	log "checking local/mariadb:test (start, user/database from env, mysqldump)"
	VERIFYING_IMAGE=local/mariadb:test
	export MYSQL_ROOT_PASSWORD=$VERIFY_ROOT_PW MYSQL_PASSWORD=$VERIFY_PW
	start_verify_container mariadb local/mariadb:test -e MYSQL_ROOT_PASSWORD \
		-e MYSQL_DATABASE=bbverify -e MYSQL_USER=bbuser -e MYSQL_PASSWORD
	c=$VERIFY_CONTAINER
	export MYSQL_PWD=$VERIFY_PW
	wait_ready "$c" 120 -e MYSQL_PWD "$c" mariadb -h127.0.0.1 -ubbuser bbverify -e 'SELECT 1'
	docker exec -e MYSQL_PWD "$c" mariadb -h127.0.0.1 -ubbuser bbverify \
		-e 'CREATE TABLE t (x INT); INSERT INTO t VALUES (42)' || die "mariadb: cannot write as MYSQL_USER"
	out=$(docker exec -e MYSQL_PWD "$c" mysqldump -h127.0.0.1 -ubbuser bbverify) ||
		die "mysqldump as MYSQL_USER over TCP failed"
	# MariaDB 10.11 writes "INSERT INTO `t` VALUES" and "(42);" on separate lines.
	grep -Eq 'INSERT INTO `t` VALUES ?\(42\)' <<<"${out//$'\n'/ }" || die "mysqldump output lacks the test row"
	out=$(docker exec -e MYSQL_PWD "$c" mysqldump -ubbuser bbverify) ||
		die "mysqldump as MYSQL_USER over the socket failed"
	MYSQL_PWD=$VERIFY_ROOT_PW docker exec -e MYSQL_PWD "$c" mysqldump -uroot --all-databases >/dev/null ||
		die "mysqldump as root with MYSQL_ROOT_PASSWORD failed"
	if MYSQL_PWD=wrong docker exec -e MYSQL_PWD "$c" mysqldump -h127.0.0.1 -ubbuser bbverify >/dev/null 2>&1; then
		die "mariadb accepted a wrong password"
	fi
	unset MYSQL_ROOT_PASSWORD MYSQL_PASSWORD MYSQL_PWD
	docker rm -f -v "$c" >/dev/null
	VERIFYING_IMAGE=
	log "local/mariadb:test works ($((SECONDS - t0)) s)"
}

verify_postgres() {
	local c out t0=$SECONDS
	log "checking local/postgres:test (start, user/database from env, pg_dump)"
	VERIFYING_IMAGE=local/postgres:test
	export POSTGRES_PASSWORD=$VERIFY_PW
	start_verify_container postgres local/postgres:test -e POSTGRES_USER=bbuser \
		-e POSTGRES_PASSWORD -e POSTGRES_DB=bbverify
	c=$VERIFY_CONTAINER
	export PGPASSWORD=$VERIFY_PW
	wait_ready "$c" 120 -e PGPASSWORD "$c" psql -h 127.0.0.1 -U bbuser -d bbverify -Atc 'SELECT 1'
	docker exec -e PGPASSWORD "$c" psql -q -h 127.0.0.1 -U bbuser -d bbverify -v ON_ERROR_STOP=1 \
		-c 'CREATE TABLE t (x int); INSERT INTO t VALUES (42)' || die "postgres: cannot write as POSTGRES_USER"
	out=$(docker exec -e PGPASSWORD "$c" pg_dump -h 127.0.0.1 -U bbuser bbverify) ||
		die "pg_dump over TCP failed"
	grep -q 'COPY public.t (x) FROM stdin' <<<"$out" || die "pg_dump output lacks the test table"
	docker exec "$c" pg_dump -U bbuser bbverify >/dev/null || die "pg_dump over the socket failed"
	if PGPASSWORD=wrong docker exec -e PGPASSWORD "$c" pg_dump -h 127.0.0.1 -U bbuser bbverify >/dev/null 2>&1; then
		die "postgres accepted a wrong password"
	fi
	unset POSTGRES_PASSWORD PGPASSWORD
	docker rm -f -v "$c" >/dev/null
	VERIFYING_IMAGE=
	log "local/postgres:test works ($((SECONDS - t0)) s)"
}

STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ -n "$want_busybox" ]; then build_busybox; fi
if [ -n "$want_example" ]; then build_example; fi
if [ -n "$want_mariadb" ]; then
	build_db mariadb mariadb-server,mariadb-client "$STD_PATH" 3306
	if [ -n "$DB_REBUILT" ] || [ "${BACKUPBOT_TEST_VERIFY:-0}" = 1 ]; then verify_mariadb; fi
fi
if [ -n "$want_postgres" ]; then
	build_db postgres postgresql,postgresql-client "/usr/lib/postgresql/15/bin:$STD_PATH" 5432
	if [ -n "$DB_REBUILT" ] || [ "${BACKUPBOT_TEST_VERIFY:-0}" = 1 ]; then verify_postgres; fi
fi
if [ -n "$built_any" ]; then
	# Drop the previous versions of rebuilt images (now untagged).
	docker image prune -f --filter "label=$RECIPE_LABEL" >/dev/null 2>&1 || true
fi
log "test environment ready (images: ${BACKUPBOT_TEST_IMAGES:-all})"
