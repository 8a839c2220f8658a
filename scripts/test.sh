#!/usr/bin/env bash
# Builds everything and runs every test project; ends with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p artifacts
scripts/fetch-spec-tests.sh || { echo "0 passed, 1 failed"; exit 1; }
for setup in scripts/setup-interop.sh scripts/setup-discv5-interop.sh scripts/setup-lodestar.sh scripts/setup-operator-tools.sh scripts/setup-ganache.sh scripts/setup-fuzz.sh; do
  if [ -x "$setup" ]; then "$setup" || echo "warning: $setup failed; the interop tests will say why"; fi
done
if ! dotnet build BeaconNode.sln -c Release 2>&1 | tee artifacts/build.log | grep -E "error|Warn|Elapsed"; then :; fi
if ! grep -q "Build succeeded" artifacts/build.log; then
  echo "build failed (see artifacts/build.log)"
  echo "0 passed, 1 failed"
  exit 1
fi
dotnet test BeaconNode.sln -c Release --no-build 2>&1 | tee artifacts/test.log | grep -E "^(Passed|Failed)!|\[FAIL\]|error" | head -200
status=${PIPESTATUS[0]}
passed=0; failed=0; runs=0
while read -r f p; do passed=$((passed + p)); failed=$((failed + f)); runs=$((runs + 1)); done < <(
  sed -nE 's/^(Passed|Failed)! +- Failed: +([0-9]+), Passed: +([0-9]+),.*/\2 \3/p' artifacts/test.log)
expected=0
for d in tests/*.Tests/ tests/Cirrus.SpecTests/; do
  if ls "$d"*.csproj >/dev/null 2>&1 && [ -n "$(find "$d" -name '*.cs' -not -path '*/obj/*' -not -path '*/bin/*' | head -1)" ]; then
    expected=$((expected + 1))
  fi
done
if [ "$runs" -lt "$expected" ]; then
  echo "only $runs of $expected test projects reported results (see artifacts/test.log)"
  failed=$((failed + expected - runs))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
