#!/usr/bin/env bash
# Installs what the fuzz targets need: Debian's afl++ and the SharpFuzz instrumenter (a dotnet tool,
# into the git-ignored .cache/tools), then builds cirrus-fuzz into artifacts/fuzz/bin and instruments
# our assemblies there (never the normal build output). Idempotent; prints the binary's path last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if ! command -v afl-fuzz >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || { echo "fuzz: no afl-fuzz and no apt-get to install afl++" >&2; exit 1; }
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "fuzz: not root and no sudo to install afl++" >&2; exit 1; }
    sudo="sudo -n"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || true
  $sudo apt-get install -y -qq --no-install-recommends afl++ >/dev/null
  echo "fuzz: installed afl++" >&2
fi
tools=$root/.cache/tools
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi
bin=$root/artifacts/fuzz/bin
mkdir -p "$root/artifacts"
stamp=$bin/.instrumented
# rebuild when any source the targets reach is newer than the instrumented copy
if [ ! -f "$stamp" ] || [ -n "$(find src fuzz/Cirrus.Fuzz -name '*.cs' -newer "$stamp" -not -path '*/obj/*' -print -quit)" ]; then
  rm -rf "$bin"
  dotnet build fuzz/Cirrus.Fuzz -c Release -o "$bin" -p:UseAppHost=true >"$root/artifacts/fuzz-build.log" 2>&1 \
    || { echo "fuzz: build failed (see artifacts/fuzz-build.log)" >&2; exit 1; }
  # the code under test; Cirrus.Crypto stays uninstrumented: its BLS arithmetic would only slow the deposit target
  for dll in Cirrus.Ssz Cirrus.Consensus Cirrus.Networking Cirrus.Validator Cirrus.Api; do
    "$tools/sharpfuzz" "$bin/$dll.dll" >/dev/null || { echo "fuzz: cannot instrument $dll.dll" >&2; exit 1; }
  done
  touch "$stamp"
fi
echo "$bin/cirrus-fuzz"
