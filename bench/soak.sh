#!/usr/bin/env bash
# Soak test: runs LogAnalysis (its built-in generated source) and NetworkWordCount fed by a loopback line server
# (bench/linefeed.py) at a high rate for SOAK_SECONDS (default 3600), printing every 10 s each program's RSS, threads,
# open files and checkpoint files (from /proc/<pid>). NetworkWordCount runs as RecoverableNetworkWordCount, the same
# word count with a checkpoint directory and a transactional output file, so that checkpoint files are watched too.
# Fails when a program exits, or when a figure keeps growing: the maximum of the last third of the samples is above
# the maximum of the middle third by more than 20% (and by more than 5, for the small counts) and the last third
# still rises (its last sample is at least its first).
#
#   SOAK_SECONDS=300 bash bench/soak.sh        # 5 minutes
#   SOAK_LOG_RATE=2000000 SOAK_WORD_RATE=20000000 bash bench/soak.sh
#   SOAK_KEEP=1 keeps the run's directory (logs, checkpoint, samples)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SOAK_SECONDS:-3600}
log_rate=${SOAK_LOG_RATE:-1000000}
word_rate=${SOAK_WORD_RATE:-5000000}
port=${SOAK_PORT:-19999}
interval=10
dir=$(mktemp -d /tmp/sluice-soak-XXXXXX)
pids=()
cleanup() {
  # SIGKILL: a graceful stop would first work through the backlog a high rate leaves (minutes after a long run).
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -z "${SOAK_KEEP:-}" ]; then rm -rf "$dir"; else echo "soak: kept $dir"; fi
}
trap cleanup EXIT

dotnet build src/Sluice.Cli -c Release --nologo -v q > "$dir/build.log" 2>&1 || { cat "$dir/build.log"; exit 1; }
cli=src/Sluice.Cli/bin/Release/net10.0/Sluice.Cli.dll

python3 bench/linefeed.py --port "$port" --rate "$word_rate" > "$dir/linefeed.log" 2>&1 &
pids+=($!)
sleep 1
dotnet "$cli" run-example LogAnalysis --rate "$log_rate" > /dev/null 2> "$dir/loganalysis.log" &
la=$!; pids+=($la)
dotnet "$cli" run-example RecoverableNetworkWordCount 127.0.0.1 "$port" "$dir/checkpoint" "$dir/counts.txt" > /dev/null 2> "$dir/networkwordcount.log" &
nwc=$!; pids+=($nwc)

sample() { # pid name checkpoint-dir -> "rss_mb threads fds checkpoint_files"
  local pid=$1 ck=$3
  local rss threads fds files
  rss=$(awk '/^VmRSS/ {print int($2/1024)}' "/proc/$pid/status")
  threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  files=0
  if [ -n "$ck" ] && [ -d "$ck" ]; then files=$(find "$ck" -type f | wc -l); fi
  echo "$rss $threads $fds $files"
}

printf '%6s | %-34s | %-34s\n' "t (s)" "LogAnalysis rss MB/threads/fds/ckpt" "NetworkWordCount rss MB/threads/fds/ckpt"
elapsed=0
while [ "$elapsed" -lt "$seconds" ]; do
  sleep "$interval"
  elapsed=$((elapsed + interval))
  for p in $la $nwc; do
    if [ ! -d "/proc/$p" ]; then
      echo "soak: FAIL: process $p exited early; see its log:"; tail -5 "$dir"/*.log; exit 1
    fi
  done
  a=$(sample $la LogAnalysis "")
  b=$(sample $nwc NetworkWordCount "$dir/checkpoint")
  echo "$elapsed $a" >> "$dir/loganalysis.samples"
  echo "$elapsed $b" >> "$dir/networkwordcount.samples"
  printf '%6d | %-34s | %-34s\n' "$elapsed" "$a" "$b"
done

python3 - "$dir/loganalysis.samples" "$dir/networkwordcount.samples" <<'PY'
import sys
names = ["RSS MB", "threads", "open files", "checkpoint files"]
failed = False
for path in sys.argv[1:]:
    rows = [list(map(int, l.split())) for l in open(path) if l.strip()]
    program = path.rsplit("/", 1)[-1].split(".")[0]
    n = len(rows)
    if n < 6:
        print(f"soak: {program}: only {n} samples, too few to judge growth")
        continue
    third = n // 3
    for i, name in enumerate(names, start=1):
        series = [r[i] for r in rows]
        middle, last = series[third:2 * third], series[2 * third:]
        limit = max(1.2 * max(middle), max(middle) + 5)
        growing = max(last) > limit and last[-1] >= last[0]
        verdict = "GROWING" if growing else "ok"
        print(f"soak: {program} {name}: first {series[0]}, max of middle third {max(middle)}, max of last third {max(last)}, last {series[-1]}: {verdict}")
        failed |= growing
sys.exit(1 if failed else 0)
PY
echo "soak: nothing kept growing over $seconds s"
