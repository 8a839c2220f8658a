#!/usr/bin/env bash
# Installs the js-libp2p packages (and node 22, from npm) that Cirrus.Networking's interop tests
# and the p2p benchmark drive, into tests/interop/node_modules. Idempotent: does nothing when the
# installed tree already matches package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../tests/interop"

need_install=0
if [ ! -x node_modules/node/bin/node ] || [ ! -d node_modules/libp2p ] || [ ! -d node_modules/@libp2p/gossipsub ]; then
  need_install=1
elif [ ! -f node_modules/.package-lock.json ] || ! cmp -s <(sed -n '/"packages"/,$p' package-lock.json | grep -c '"version"') <(sed -n '/"packages"/,$p' node_modules/.package-lock.json | grep -c '"version"'); then
  need_install=1
fi

if [ "$need_install" = 1 ]; then
  # The `node` package fetches its platform binary in a preinstall script: package.json allows it (allowScripts).
  npm ci --no-audit --no-fund --loglevel=error
  if [ ! -x node_modules/node/bin/node ] || ! node_modules/node/bin/node --version >/dev/null 2>&1; then
    npm rebuild node --loglevel=error
  fi
fi

v=$(node_modules/node/bin/node --version)
case "$v" in
  v22.*|v23.*|v24.*|v25.*|v26.*) echo "interop: node $v, js-libp2p $(node_modules/node/bin/node -p 'require("./node_modules/libp2p/package.json").version')" ;;
  *) echo "interop: node_modules/node is $v, need >= 22" >&2; exit 1 ;;
esac
