#!/usr/bin/env bash
# Installs what the discv5 interop tests need into tests/interop-discv5/node_modules:
# @chainsafe/discv5 (the reference implementation) and node 22 from the npm registry
# (the package wants a newer node than the machine's). Idempotent: does nothing when the
# pinned versions are already installed.
set -euo pipefail
cd "$(dirname "$0")/../tests/interop-discv5"

want_discv5=$(node -p 'require("./package.json").dependencies["@chainsafe/discv5"]' 2>/dev/null || true)
have_discv5=$(node -p 'require("./node_modules/@chainsafe/discv5/package.json").version' 2>/dev/null || true)
if [[ -n "$want_discv5" && "$want_discv5" == "$have_discv5" && -x node_modules/.bin/node ]] \
   && node_modules/.bin/node --version >/dev/null 2>&1; then
  echo "discv5 interop: @chainsafe/discv5 $have_discv5 and node $(node_modules/.bin/node --version) already installed"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "discv5 interop: npm is required (apt-get install -y npm, or a node.js install)" >&2
  exit 1
fi

npm ci --omit-lockfile-registry-resolved --no-audit --no-fund
node_modules/.bin/node --version
echo "discv5 interop: installed @chainsafe/discv5 $(node -p 'require("./node_modules/@chainsafe/discv5/package.json").version')"
