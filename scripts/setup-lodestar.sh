#!/usr/bin/env bash
# Installs Lodestar 1.5.1 (ChainSafe's beacon node and validator client) into the git-ignored
# tests/interop-lodestar/, for the Lodestar REST interop tests. Idempotent: the shared setup
# script only prints the binary's path when that version is already there.
# Usage: setup-lodestar.sh   -> prints the path of the lodestar binary on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# the shared peers folder sits beside the checkout; LODESTAR_SETUP names another copy
setup=${LODESTAR_SETUP:-$root/../shared/peers/lodestar/setup.sh}
if [ ! -f "$setup" ]; then
  echo "lodestar interop: $setup not found (it installs Lodestar 1.5.1)" >&2
  exit 1
fi
bash "$setup" "$root/tests/interop-lodestar"
