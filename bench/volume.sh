#!/usr/bin/env bash
# Benchmark (a script, not a test): `backupbot backup` of a ~1 GB named volume, used by a running
# compose service, against the hand one-liner
#   docker run --rm -v VOL:/data -v "$PWD":/backup IMAGE tar czf /backup/x.tar.gz /data
# and against the engine's read alone, the floor of any downtime: the archive stream of a
# created, never started container that mounts the volume (`docker cp CONTAINER:/data -`) into
# /dev/null. Alternating rounds; prints each time, the medians and their ratios, the service's
# downtime per backupbot run (from the engine's events: its kill to its start) against that
# round's read time + 0.5 s (and the medians of both: the machines are noisy), the archive
# sizes and backupbot's peak RSS, next to the targets. Every timed step starts after `sync`.
# When the CLI has `--compression zstd`, every round also runs backupbot with it. Removes
# everything it created.
#
#   bash bench/volume.sh            (build first: npm run build)
# Also measured: the engine's read into a file beside the targets (what the spool costs at the
# least: the page cache takes every byte), next to which the downtime is shown too.
# Environment: see bench/lib.sh; also BENCH_STREAMED (unset; 1: also run `backup --no-spool`
# each round, the behaviour before the spool, for its downtime and time).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install -y time" >&2; exit 2; }
# shellcheck disable=SC2016 # expanded when the cleanup runs
EXTRA_CLEANUP='[ -z "${READER:-}" ] || docker rm -f "$READER" >/dev/null 2>&1'
bench_start

# Downtime from the engine's own events: from the first kill (the stop) to the last start.
downtime_from_events() {
  docker events --since "$1" --until "$2" --filter "container=$CONTAINER" --format '{{.Status}} {{.TimeNano}}' |
    awk '$1 == "kill" && !k {k = $2} $1 == "start" {s = $2} END {if (k && s) printf "%.2f", (s - k) / 1e9; else print "n/a"}'
}

# The floor: the engine's archive stream of the volume into /dev/null, from a created, never
# started container (what backupbot reads from, with the same log driver), nothing else.
READER=$(docker create --network none --log-driver none --label backupbot.bench=1 -v "$VOLUME:/data:ro" "$IMAGE" true)
read_floor() {
  local start end
  settle
  start=$(now)
  docker cp "$READER:/data" - >"$1"
  end=$(now)
  rm -f "$WORK/read.tar"
  secs "$start" "$end"
}

# Each kind of backupbot run: its name and its extra arguments.
RUNS=(gzip)
declare -A ARGS=([gzip]='' [zstd]='--compression zstd' [streamed]='--no-spool')
if (cd "$WORK" && node "$ROOT/bin/run.js" backup --help 2>/dev/null | grep -q zstd); then RUNS+=(zstd); fi
[ -z "${BENCH_STREAMED:-}" ] || RUNS+=(streamed)

declare -A times downs jsondowns spools bytes_of rss_of
read_times=() file_times=() one_times=() one_bytes=()

# One backupbot run of kind $1; appends to the arrays of that kind.
bb_round() {
  local compression=$1 round=$2 start end t item_s downtime_json spool_s bytes down mem extra
  read -ra extra <<<"${ARGS[$compression]}"
  rm -rf "$WORK/backups-$compression"
  settle
  start=$(now)
  (cd "$WORK" && BACKUPBOT_DATA_DIR="$WORK/data" BACKUPBOT_HELPER_IMAGE="$IMAGE" /usr/bin/time -f %M -o "$WORK/rss" \
    node "$ROOT/bin/run.js" backup -p "$PROJECT" --config "$WORK/backupbot.json" --target "$WORK/backups-$compression" ${extra[@]+"${extra[@]}"} --json \
    >"$WORK/result.json" 2>"$WORK/stderr") || { cat "$WORK/stderr" "$WORK/result.json" >&2; exit 1; }
  end=$(now)
  t=$(secs "$start" "$end")
  read -r item_s downtime_json spool_s bytes < <(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const i = r.items[0]
    if (i.status !== "ok") { console.error(JSON.stringify(i)); process.exit(1) }
    console.log(i.seconds, i.downtimeSeconds ?? "-", i.spool?.seconds ?? "-", i.bytes)' "$WORK/result.json")
  rm -rf "$WORK/backups-$compression"
  sleep 1 # let the engine's event log catch up before asking it
  down=$(downtime_from_events "$start" "$(now)")
  mem=$(( $(tail -1 "$WORK/rss") / 1024 ))
  times[$compression]+="$t " downs[$compression]+="$down " jsondowns[$compression]+="$downtime_json "
  spools[$compression]+="$spool_s " bytes_of[$compression]+="$bytes " rss_of[$compression]+="$mem "
  log "round $round: backupbot $compression  ${t} s  (item ${item_s} s, downtime ${down} s from events, ${downtime_json} s in --json, spool read ${spool_s} s, peak RSS ${mem} MB, $((bytes / 1048576)) MB archive)"
}

for round in $(seq 1 "$ROUNDS"); do
  r=$(read_floor /dev/null)
  f=$(read_floor "$WORK/read.tar")
  read_times+=("$r") file_times+=("$f")
  log "round $round: engine read alone  ${r} s into /dev/null, ${f} s into a file"

  for compression in "${RUNS[@]}"; do bb_round "$compression" "$round"; done

  t=$(oneliner)
  one_times+=("$t")
  one_bytes+=("$(stat -c %s "$WORK/oneliner/x.tar.gz")")
  log "round $round: one-liner  ${t} s  ($(( one_bytes[-1] / 1048576 )) MB archive)"
done
docker rm -f "$READER" >/dev/null

read_med=$(median "${read_times[@]}")
one_med=$(median "${one_times[@]}")
cat <<REPORT

volume: ${SIZE_MB} MB (text + random), $ROUNDS rounds, $(nproc) cores
engine read alone (s):  ${read_times[*]}   (median ${read_med} s: the floor of any downtime)
  into a file (s):      ${file_times[*]}   (median $(median "${file_times[@]}") s: the floor of a spooled one)
one-liner times (s):    ${one_times[*]}   (median ${one_med} s, $(( one_bytes[0] / 1048576 )) MB archive)
REPORT

declare -A target_ratio=([gzip]=0.6 [zstd]=0.3 [streamed]=0.6)
gzip_bytes=$(echo ${bytes_of[gzip]} | awk '{print $1}')
for compression in "${RUNS[@]}"; do
  read -ra t <<<"${times[$compression]}"
  read -ra d <<<"${downs[$compression]}"
  read -ra j <<<"${jsondowns[$compression]}"
  read -ra sp <<<"${spools[$compression]}"
  read -ra b <<<"${bytes_of[$compression]}"
  read -ra m <<<"${rss_of[$compression]}"
  med=$(median "${t[@]}")
  dmed=$(median "${d[@]}")
  ratio=$(awk -v a="$med" -v b="$one_med" 'BEGIN {printf "%.2f", a / b}')
  peak=$(printf '%s\n' "${m[@]}" | sort -n | tail -1)
  down_ok=PASS file_ok=PASS
  for i in "${!d[@]}"; do
    [ "${d[$i]}" = n/a ] && { down_ok=FAIL file_ok=FAIL; continue; }
    [ "$(verdict "${d[$i]} <= ${read_times[$i]} + 0.5")" = PASS ] || down_ok=FAIL
    [ "$(verdict "${d[$i]} <= ${file_times[$i]} + 0.5")" = PASS ] || file_ok=FAIL
  done
  cat <<REPORT

backupbot, $compression: times (s) ${t[*]}
  median ${med} s, ratio to the one-liner ${ratio}   target <= ${target_ratio[$compression]}x   $(verdict "$ratio <= ${target_ratio[$compression]}")
  downtime per run (s, events) ${d[*]}  (--json ${j[*]}; spool read ${sp[*]}); each against that round's read + 0.5 s (${read_times[*]})   $down_ok
    (against that round's read into a file + 0.5 s: $file_ok)
    median ${dmed} s against the reads' median + 0.5 s (${read_med} + 0.5)   $(verdict "$dmed <= $read_med + 0.5")
  archive $(( b[0] / 1048576 )) MB$( [ "$compression" != zstd ] || printf '   target <= the gzip archive (%s MB)   %s' "$(( gzip_bytes / 1048576 ))" "$(verdict "${b[0]} <= $gzip_bytes")")
  peak RSS (MB) ${m[*]}  (max ${peak})   target < 150 MB   $(verdict "$peak < 150")
REPORT
done
