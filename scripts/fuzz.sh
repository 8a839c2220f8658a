#!/usr/bin/env bash
# Runs AFL++ on one cirrus-fuzz target (or all) for SECONDS each, then prints executions, exec/s, paths
# (corpus entries) and findings per target. Crashes and hangs are copied to fuzz/regressions/TARGET/,
# which a normal test replays forever after.
# Usage: scripts/fuzz.sh TARGET SECONDS | scripts/fuzz.sh --all SECONDS
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
[ $# -eq 2 ] || { echo "usage: scripts/fuzz.sh TARGET|--all SECONDS" >&2; exit 2; }
case "$2" in ''|*[!0-9]*) echo "fuzz: SECONDS must be a positive integer, not '$2'" >&2; exit 2;; esac
fuzz=$(scripts/setup-fuzz.sh | tail -1)
if [ "$1" = --all ]; then targets=$("$fuzz" list | awk '{print $1}'); else
  "$fuzz" list | awk '{print $1}' | grep -qx -- "$1" || { echo "fuzz: unknown target '$1' (known: $("$fuzz" list | awk '{print $1}' | tr '\n' ' '))" >&2; exit 2; }
  targets=$1
fi
[ -d fuzz/corpus ] || "$fuzz" seed --spec-tests consensus-spec-tests --testnets "$root/../shared/testnets" --out fuzz >/dev/null
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 \
  AFL_FAST_CAL=1 AFL_CMPLOG_ONLY_NEW=1 AFL_SKIP_CRASHES=1 CIRRUS_FUZZ_DIR="$root/fuzz" DOTNET_TieredPGO=0
total_findings=0
printf '%-18s %12s %10s %7s %9s\n' target executions exec/s paths findings
for t in $targets; do
  out=$root/artifacts/fuzz/out/$t
  rm -rf "$out"
  mkdir -p "$out"
  # -t: per-input timeout in ms (a hang is a finding); .NET starts once per run (SharpFuzz runs inputs in-process)
  timeout $(( $2 + 120 )) afl-fuzz -i "fuzz/corpus/$t" -o "$out" -V "$2" -t 2000 -m none -- "$fuzz" run "$t" >"$out.log" 2>&1 || true
  stats=$out/default/fuzzer_stats
  if [ ! -f "$stats" ]; then
    echo "fuzz: afl-fuzz did not start for $t (see $out.log):" >&2
    tail -5 "$out.log" >&2
    total_findings=$((total_findings + 1))
    continue
  fi
  get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  execs=$(get execs_done); eps=$(get execs_per_sec); paths=$(get corpus_count); crashes=$(get saved_crashes); hangs=$(get saved_hangs)
  found=$(( ${crashes:-0} + ${hangs:-0} ))
  printf '%-18s %12s %10s %7s %9s\n' "$t" "$execs" "$eps" "$paths" "$found"
  if [ "$found" -gt 0 ]; then
    mkdir -p "fuzz/regressions/$t"
    for f in "$out"/default/crashes/id:* "$out"/default/hangs/id:*; do
      [ -f "$f" ] || continue
      cp "$f" "fuzz/regressions/$t/$(sha256sum "$f" | cut -c1-16)"
    done
    echo "  saved to fuzz/regressions/$t/; replay (uninstrumented build): dotnet run -c Release --project fuzz/Cirrus.Fuzz -- replay $t fuzz/regressions/$t" >&2
  fi
  total_findings=$((total_findings + found))
done
[ "$total_findings" -eq 0 ]
