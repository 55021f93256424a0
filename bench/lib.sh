# Shared by the benchmarks (sourced, not run): the settings, a compose project whose service `app`
# uses the named volume `benchdata` filled with ~1 GB (half text, half random), the one-liner it
# is compared with, and the arithmetic of the reports. The caller sets `set -euo pipefail` first,
# may add to bench_cleanup through EXTRA_CLEANUP, and calls bench_start.
# Environment: BENCH_ROUNDS (3), BENCH_IMAGE (local/busybox:test), BENCH_TEXT_MB (500),
# BENCH_RANDOM_MB (500).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
IMAGE=${BENCH_IMAGE:-local/busybox:test}
TEXT_MB=${BENCH_TEXT_MB:-500}
RANDOM_MB=${BENCH_RANDOM_MB:-500}
PROJECT=bbbench-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bb-bench-XXXXXX")
VOLUME=${PROJECT}_benchdata
EXTRA_CLEANUP=:

[ -f "$ROOT/dist/index.js" ] || { echo "build first: npm run build" >&2; exit 2; }
docker image inspect "$IMAGE" >/dev/null || { echo "image $IMAGE is not on the engine" >&2; exit 2; }
if docker-compose version >/dev/null 2>&1; then COMPOSE=(docker-compose); else COMPOSE=(docker compose); fi

bench_cleanup() {
  eval "$EXTRA_CLEANUP" || true
  (cd "$WORK" && "${COMPOSE[@]}" -p "$PROJECT" down -v --remove-orphans >/dev/null 2>&1) || true
  docker volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s\n' "$*" >&2; }
now() { date +%s.%N; }
# Before each timed step: the page cache's dirty data of the step before (GBs of archives and
# spool) is written back now, not while the next one reads and writes.
settle() { sync; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
verdict() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo FAIL; fi; }

# Writes the project (compose.yaml, backupbot.json) into $WORK, starts it and fills the volume;
# sets CONTAINER (the service's container) and SIZE_MB.
bench_start() {
  cat >"$WORK/compose.yaml" <<YAML
services:
  app:
    image: $IMAGE
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"]
    volumes: [benchdata:/data]
volumes:
  benchdata: {}
YAML
  cat >"$WORK/backupbot.json" <<JSON
{"app": [{"type": "backup_volume", "volumes": ["benchdata"]}]}
JSON
  log "starting compose project $PROJECT and filling $VOLUME (${TEXT_MB} MB text + ${RANDOM_MB} MB random)..."
  (cd "$WORK" && "${COMPOSE[@]}" -p "$PROJECT" up -d >/dev/null 2>&1)
  CONTAINER=$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter label=com.docker.compose.service=app)
  # One `seq 1 1200000` is ~8.3 MB of text; random bytes in 100 MB files.
  docker run --rm --network none -v "$VOLUME:/data" "$IMAGE" sh -c "
    set -e; mkdir -p /data/text /data/random
    seq 1 1200000 > /data/text/f0.txt
    i=1; while [ \$i -lt \$(( $TEXT_MB * 1000 / 8300 )) ]; do cp /data/text/f0.txt /data/text/f\$i.txt; i=\$((i+1)); done
    i=0; while [ \$i -lt \$(( $RANDOM_MB / 100 )) ]; do dd if=/dev/urandom of=/data/random/r\$i.bin bs=1M count=100 2>/dev/null; i=\$((i+1)); done
    du -sm /data | cut -f1 > /data/.size"
  SIZE_MB=$(docker run --rm --network none -v "$VOLUME:/data" "$IMAGE" cat /data/.size)
  log "volume holds ${SIZE_MB} MB; $ROUNDS alternating rounds"
}

# The hand one-liner once, into $WORK/oneliner/x.tar.gz; prints its wall seconds.
oneliner() {
  local start end
  mkdir -p "$WORK/oneliner" && rm -f "$WORK/oneliner/x.tar.gz"
  settle
  start=$(now)
  (cd "$WORK/oneliner" && docker run --rm -v "$VOLUME:/data" -v "$PWD":/backup "$IMAGE" tar czf /backup/x.tar.gz /data 2>/dev/null)
  end=$(now)
  secs "$start" "$end"
}
