#!/usr/bin/env bash
# Makes the fuzz corpus again: every seed cirrus-fuzz can build from the spec vectors and the shared testnet
# files (artifacts/fuzz-seeds/), then, per target, the smallest seed for each edge of the instrumented
# build's coverage (cirrus-fuzz cmin, afl-cmin's rule) into fuzz/corpus/; pre-states into fuzz/states/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzz=$(scripts/setup-fuzz.sh | tail -1)
testnets=${CIRRUS_TESTNETS:-$root/../shared/testnets}
rm -rf artifacts/fuzz-seeds
dotnet run -c Release --project fuzz/Cirrus.Fuzz -- seed --spec-tests consensus-spec-tests --testnets "$testnets" --out artifacts/fuzz-seeds
rm -rf fuzz/states
cp -r artifacts/fuzz-seeds/states fuzz/states
for t in $("$fuzz" list | awk '{print $1}'); do
  CIRRUS_FUZZ_DIR="$root/fuzz" "$fuzz" cmin "$t" "artifacts/fuzz-seeds/corpus/$t" "fuzz/corpus/$t"
done
