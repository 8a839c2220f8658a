#!/usr/bin/env bash
# Side-by-side BLS benchmark: Cirrus.Crypto (C#) against native blst (@chainsafe/blst 2.2.0 from npm),
# same machine, same inputs (both sides derive keys and messages from the same SHA-256 labels), the
# same median-of-samples timing loop. The sides alternate BENCH_ROUNDS times (default 2) and each op
# keeps its best median, which damps the noise of a shared machine.
#   BENCH_BUDGET_MS  time budget per op and side (default 1500)
set -euo pipefail
here="$(cd "$(dirname "$0")/bls-bench" && pwd)"
cd "$here"
if [ ! -d node_modules/@chainsafe/blst ]; then
  npm ci --no-audit --no-fund >/dev/null
fi
rounds="${BENCH_ROUNDS:-2}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "building the C# side..." >&2
dotnet build -c Release BlsBench.cs >/dev/null
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds: blst" >&2
  node bench.js > "$out/blst.$r.json"
  echo "round $r/$rounds: cirrus" >&2
  dotnet run --no-build -c Release BlsBench.cs > "$out/ours.$r.json"
done
node report.js "$out"
