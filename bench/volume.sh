#!/usr/bin/env bash
# Benchmark (a script, not a test): `backupbot backup` of a ~1 GB named volume, used by a running
# compose service, against the hand one-liner
#   docker run --rm -v VOL:/data -v "$PWD":/backup IMAGE tar czf /backup/x.tar.gz /data
# Alternating rounds; prints each time, the medians and their ratio, the service's downtime per
# backupbot run and backupbot's peak RSS, next to the targets. Removes everything it created.
#
#   bash bench/volume.sh            (build first: npm run build)
# Environment: BENCH_ROUNDS (3), BENCH_IMAGE (local/busybox:test), BENCH_TEXT_MB (500),
# BENCH_RANDOM_MB (500).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
IMAGE=${BENCH_IMAGE:-local/busybox:test}
TEXT_MB=${BENCH_TEXT_MB:-500}
RANDOM_MB=${BENCH_RANDOM_MB:-500}
PROJECT=bbbench-$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bb-bench-XXXXXX")
VOLUME=${PROJECT}_benchdata

[ -f "$ROOT/dist/index.js" ] || { echo "build first: npm run build" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install -y time" >&2; exit 2; }
docker image inspect "$IMAGE" >/dev/null || { echo "image $IMAGE is not on the engine" >&2; exit 2; }
if docker-compose version >/dev/null 2>&1; then COMPOSE=(docker-compose); else COMPOSE=(docker compose); fi

cleanup() {
  (cd "$WORK" && "${COMPOSE[@]}" -p "$PROJECT" down -v --remove-orphans >/dev/null 2>&1) || true
  docker volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

log() { printf '%s\n' "$*" >&2; }

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

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# Downtime from the engine's own events: from the first kill (the stop) to the last start.
downtime_from_events() {
  docker events --since "$1" --until "$2" --filter "container=$CONTAINER" --format '{{.Status}} {{.TimeNano}}' |
    awk '$1 == "kill" && !k {k = $2} $1 == "start" {s = $2} END {if (k && s) printf "%.2f", (s - k) / 1e9; else print "n/a"}'
}

bb_times=() one_times=() downtimes=() items=() rss=()
for round in $(seq 1 "$ROUNDS"); do
  # backupbot, the built CLI
  start=$(now)
  (cd "$WORK" && BACKUPBOT_DATA_DIR="$WORK/data" BACKUPBOT_HELPER_IMAGE="$IMAGE" /usr/bin/time -f %M -o "$WORK/rss" \
    node "$ROOT/bin/run.js" backup -p "$PROJECT" --config "$WORK/backupbot.json" --target "$WORK/backups" --keep 1 --json \
    >"$WORK/result.json" 2>"$WORK/stderr") || { cat "$WORK/stderr" "$WORK/result.json" >&2; exit 1; }
  end=$(now)
  t=$(secs "$start" "$end")
  read -r item_s downtime_json bytes < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const i = r.items[0]
    if (i.status !== "ok") { console.error(JSON.stringify(i)); process.exit(1) }
    console.log(i.seconds, i.downtimeSeconds ?? "-", i.bytes)' "$WORK/result.json")
  sleep 1 # let the engine's event log catch up before asking it
  if [ "$downtime_json" = "-" ]; then down=$(downtime_from_events "$start" "$(now)"); src=events; else down=$downtime_json; src=json; fi
  mem=$(( $(tail -1 "$WORK/rss") / 1024 ))
  bb_times+=("$t") downtimes+=("$down") items+=("$item_s") rss+=("$mem")
  log "round $round: backupbot  ${t} s  (item ${item_s} s, downtime ${down} s from $src, peak RSS ${mem} MB, $((bytes / 1048576)) MB archive)"

  # the hand one-liner
  mkdir -p "$WORK/oneliner" && rm -f "$WORK/oneliner/x.tar.gz"
  start=$(now)
  (cd "$WORK/oneliner" && docker run --rm -v "$VOLUME:/data" -v "$PWD":/backup "$IMAGE" tar czf /backup/x.tar.gz /data 2>/dev/null)
  end=$(now)
  t=$(secs "$start" "$end")
  one_times+=("$t")
  log "round $round: one-liner  ${t} s  ($(( $(stat -c %s "$WORK/oneliner/x.tar.gz") / 1048576 )) MB archive)"
done

bb_med=$(median "${bb_times[@]}")
one_med=$(median "${one_times[@]}")
ratio=$(awk -v a="$bb_med" -v b="$one_med" 'BEGIN {printf "%.2f", a / b}')
peak=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
verdict() { if awk "BEGIN {exit !($1)}"; then echo PASS; else echo FAIL; fi; }
down_ok=PASS
for i in "${!downtimes[@]}"; do
  d=${downtimes[$i]}
  [ "$d" = n/a ] && { down_ok=FAIL; continue; }
  [ "$(verdict "$d <= ${items[$i]} + 1")" = PASS ] || down_ok=FAIL
done

cat <<REPORT

volume: ${SIZE_MB} MB (text + random), $ROUNDS rounds, $(nproc) cores
backupbot times (s):  ${bb_times[*]}
one-liner times (s):  ${one_times[*]}
median backupbot ${bb_med} s, one-liner ${one_med} s, ratio ${ratio}   target <= 1.1x   $(verdict "$ratio <= 1.1")
downtime per backupbot run (s): ${downtimes[*]}  (archive item times: ${items[*]})   target <= archive time + 1 s   $down_ok
backupbot peak RSS (MB): ${rss[*]}  (max ${peak})   target < 150 MB   $(verdict "$peak < 150")
REPORT
