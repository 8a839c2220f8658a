#!/usr/bin/env bash
# Installs ganache 7.9.2 (a real Ethereum JSON-RPC node, from npm) into the git-ignored
# tests/eth1-ganache/, for the eth1 deposit tests and `cirrus devnet --eth1`. Idempotent.
# Usage: setup-ganache.sh   -> prints the path of the ganache binary on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/tests/eth1-ganache"
bin="$dir/node_modules/.bin/ganache"
if [ -x "$bin" ] && grep -q '"version": "7.9.2"' "$dir/node_modules/ganache/package.json" 2>/dev/null; then
  echo "$bin"; exit 0
fi
mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"cirrus-eth1-ganache","private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error ganache@7.9.2 >&2
[ -x "$bin" ] || { echo "ganache setup: $bin missing after npm install" >&2; exit 1; }
echo "$bin"
