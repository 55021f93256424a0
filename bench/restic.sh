#!/usr/bin/env bash
# Benchmark (a script, not a test): `backupbot backup --target restic:<local repository>` of a
# ~1 GB named volume (half text, half random), used by a running compose service, against the
# hand one-liner
#   docker run --rm -v VOL:/data -v "$PWD":/backup IMAGE tar czf /backup/x.tar.gz /data
# Alternating rounds. Prints each time, the medians and their ratio, backupbot's and restic's
# peak RSS (sampled from /proc), how much the second backup of the unchanged volume added to the
# repository, and, for `--target ./backups --target restic:...`, how many times the volume was
# read (the engine's archive-path events), next to the targets. Removes everything it created.
#
#   bash bench/restic.sh            (build first: npm run build; needs restic)
# Environment: see bench/lib.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
REPO=$WORK/restic-repo
[ "$ROUNDS" -ge 2 ] || { echo "BENCH_ROUNDS must be 2 or more: the second round measures what a backup of the unchanged volume adds" >&2; exit 2; }
command -v restic >/dev/null || { echo "restic is missing: apt-get install -y restic" >&2; exit 2; }
bench_start
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/password"
export RESTIC_PASSWORD_FILE=$WORK/password RESTIC_CACHE_DIR=$WORK/restic-cache
restic init --repository-version 2 --repo "$REPO" >/dev/null

repo_bytes() { du -sb "$REPO" | cut -f1; }
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Runs backupbot with the given targets; sets T (wall s), NODE_MB and RESTIC_MB (peak RSS,
# sampled every 0.1 s from /proc: backupbot's node process, and the largest restic child).
run_backupbot() {
  local start end pid node=0 restic=0 v p
  settle
  start=$(now)
  (cd "$WORK" && exec env BACKUPBOT_DATA_DIR="$WORK/data" BACKUPBOT_HELPER_IMAGE="$IMAGE" \
    node "$ROOT/bin/run.js" backup -p "$PROJECT" --config "$WORK/backupbot.json" "$@" --json \
    >"$WORK/result.json" 2>"$WORK/stderr") &
  pid=$!
  BB_PID=$pid
  while kill -0 "$pid" 2>/dev/null; do
    v=$(hwm "$pid"); [ "${v:-0}" -gt "$node" ] && node=$v
    for p in $(pgrep -P "$pid" -x restic || true); do v=$(hwm "$p"); [ "${v:-0}" -gt "$restic" ] && restic=$v; done
    sleep 0.1
  done
  wait "$pid" || { cat "$WORK/stderr" "$WORK/result.json" >&2; exit 1; }
  end=$(now)
  T=$(secs "$start" "$end") NODE_MB=$((node / 1024)) RESTIC_MB=$((restic / 1024))
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
    const bad = r.items.filter((i) => i.status !== "ok")
    if (bad.length) { console.error(JSON.stringify(bad)); process.exit(1) }' "$WORK/result.json"
}

bb_times=() one_times=() node_rss=() restic_rss=() sizes=()
EMPTY=$(repo_bytes)
for round in $(seq 1 "$ROUNDS"); do
  run_backupbot --target "restic:$REPO"
  sizes+=("$(repo_bytes)")
  bb_times+=("$T") node_rss+=("$NODE_MB") restic_rss+=("$RESTIC_MB")
  log "round $round: backupbot  ${T} s  (peak RSS backupbot ${NODE_MB} MB, restic ${RESTIC_MB} MB; repository $(( ${sizes[-1]} / 1048576 )) MB)"

  t=$(oneliner)
  one_times+=("$t")
  log "round $round: one-liner  ${t} s  ($(( $(stat -c %s "$WORK/oneliner/x.tar.gz") / 1048576 )) MB archive)"
done

# Two targets: the engine reports each read of the volume through the archive API.
since=$(now)
run_backupbot --target "$WORK/backups" --target "restic:$REPO"
sleep 1 # let the engine's event log catch up before asking it
until=$(now)
# Only this run's reads: its temporary containers carry its pid.
reads=$(docker events --since "$since" --until "$until" --filter event=archive-path --filter "label=backupbot.pid=$BB_PID" --format '{{.ID}}' | wc -l)
stops=$(docker events --since "$since" --until "$until" --filter "container=$CONTAINER" --filter event=stop --format '{{.ID}}' | wc -l)
two_t=$T
stores=$(node -e '
  const i = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).items[0]
  console.log((i.stores ?? []).map((s) => `${s.target.startsWith("restic:") ? "restic" : "tree"} ${s.status} ${Math.round(s.bytes / 1048576)} MB`).join(", "))' "$WORK/result.json")

bb_med=$(median "${bb_times[@]}")
one_med=$(median "${one_times[@]}")
ratio=$(awk -v a="$bb_med" -v b="$one_med" 'BEGIN {printf "%.2f", a / b}')
peak=$(printf '%s\n' "${node_rss[@]}" | sort -n | tail -1)
first=$(( ${sizes[0]} - EMPTY ))
added=$(( ${sizes[1]} - ${sizes[0]} ))
pct=$(awk -v a="$added" -v f="$first" 'BEGIN {printf "%.2f", 100 * a / f}')

cat <<REPORT

volume: ${SIZE_MB} MB (text + random), $ROUNDS rounds, $(nproc) cores, $(restic version | cut -d' ' -f1-2)
backupbot -> restic times (s): ${bb_times[*]}
one-liner times (s):           ${one_times[*]}
median backupbot ${bb_med} s, one-liner ${one_med} s, ratio ${ratio}   target <= 0.6x   $(verdict "$ratio <= 0.6")
backupbot peak RSS (MB): ${node_rss[*]}  (max ${peak})   target < 150 MB   $(verdict "$peak < 150")
restic peak RSS (MB):    ${restic_rss[*]}  (reported, no target)
repository after each round (MB): $(for s in "${sizes[@]}"; do printf '%s ' $(( s / 1048576 )); done)
second backup of the unchanged volume added ${added} bytes, ${pct}% of the first's $(( first / 1048576 )) MB   target < 2%   $(verdict "$pct < 2")
--target ./backups --target restic:...: ${two_t} s; volume read ${reads} time(s) through the engine's archive API, service stopped ${stops} time(s); stores: ${stores}   target: read once   $(verdict "$reads == 1")
REPORT
