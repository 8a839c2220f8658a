#!/usr/bin/env bash
# p2p benchmark, ours and js-libp2p side by side in one run on this machine:
#   gossip messages/s and end-to-end latency between two local nodes (gossipsub, StrictNoSign, eth2 message-id),
#   secure stream throughput (TCP + Noise + yamux) in MB/s; prints both and the ratios (cirrus / js).
# usage: scripts/bench-p2p.sh [messages=20000] [size=200] [latency_rounds=500] [stream_mb=256]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
args=("${1:-20000}" "${2:-200}" "${3:-500}" "${4:-256}")

bash "$root/scripts/setup-interop.sh" >/dev/null

# bench/Cirrus.Benchmarks/P2pBench.cs is built as its own small program (it is #if'ed out of Cirrus.Benchmarks).
work="$root/artifacts/p2p-bench"
mkdir -p "$work"
cat > "$work/P2pBench.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <Optimize>true</Optimize>
    <DefineConstants>\$(DefineConstants);CIRRUS_P2P_BENCH</DefineConstants>
    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
    <IsPackable>false</IsPackable>
  </PropertyGroup>
  <ItemGroup>
    <Compile Include="$root/bench/Cirrus.Benchmarks/P2pBench.cs" />
    <ProjectReference Include="$root/src/Cirrus.Networking/Cirrus.Networking.csproj" />
  </ItemGroup>
</Project>
XML
dotnet build -c Release -v q -nologo "$work/P2pBench.csproj" -o "$work/out" >/dev/null

echo "running cirrus..." >&2
ours=$(dotnet "$work/out/P2pBench.dll" "${args[@]}")
echo "running js-libp2p..." >&2
# js-libp2p's own dial/stream timeouts can fire on a heavily loaded machine: one retry
theirs=$(cd "$root/tests/interop" && node_modules/node/bin/node bench.mjs "${args[@]}") \
  || theirs=$(cd "$root/tests/interop" && node_modules/node/bin/node bench.mjs "${args[@]}")

echo "$ours"
echo "$theirs"
node_v="$root/tests/interop/node_modules/node/bin/node"
"$node_v" -e '
const a = JSON.parse(process.argv[1]), b = JSON.parse(process.argv[2])
const r = (x, y) => (x / y).toFixed(2)
console.log(`gossip msgs/s       cirrus ${a.gossipMsgsPerSec}  js ${b.gossipMsgsPerSec}  ratio ${r(a.gossipMsgsPerSec, b.gossipMsgsPerSec)}x (higher is better)`)
console.log(`gossip latency p50  cirrus ${a.latencyMedianMs} ms  js ${b.latencyMedianMs} ms  ratio ${r(b.latencyMedianMs, a.latencyMedianMs)}x faster`)
console.log(`gossip latency p99  cirrus ${a.latencyP99Ms} ms  js ${b.latencyP99Ms} ms  ratio ${r(b.latencyP99Ms, a.latencyP99Ms)}x faster`)
console.log(`noise+yamux stream  cirrus ${a.streamMBps} MB/s  js ${b.streamMBps} MB/s  ratio ${r(a.streamMBps, b.streamMBps)}x (higher is better)`)
' "$ours" "$theirs"
