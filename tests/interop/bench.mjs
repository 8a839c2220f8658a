// js-libp2p side of scripts/bench-p2p.sh: the same work as bench/Cirrus.Benchmarks/P2pBench.cs, between two js nodes
// in one process: gossip messages/s, end-to-end gossip latency, secure stream (tcp + noise + yamux) MB/s.
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { gossipsub } from '@libp2p/gossipsub'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createHash, randomFillSync } from 'node:crypto'
import SnappyJS from 'snappyjs'

const [messages = 20000, size = 200, latencyRounds = 500, streamMb = 256] = process.argv.slice(2).map(Number)
const TOPIC = '/eth2/00000000/beacon_attestation_0/ssz_snappy'
const SINK = '/cirrus/bench/sink/1'

function eth2MsgId (msg) {
  let domain = Uint8Array.from([1, 0, 0, 0]); let payload
  try { payload = SnappyJS.uncompress(msg.data) } catch { domain = Uint8Array.from([0, 0, 0, 0]); payload = msg.data }
  return new Uint8Array(createHash('sha256').update(domain).update(payload).digest().subarray(0, 20))
}

async function mk () {
  return createLibp2p({
    privateKey: await generateKeyPair('secp256k1'),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: {
      identify: identify(),
      pubsub: gossipsub({ globalSignaturePolicy: 'StrictNoSign', msgIdFn: eth2MsgId, heartbeatInterval: 700, D: 8, Dlo: 6, Dhi: 12, Dlazy: 6, mcacheLength: 6, mcacheGossip: 3, seenTTL: 550 * 700, allowPublishToZeroTopicPeers: true })
    }
  })
}

const a = await mk(); const b = await mk()
a.services.pubsub.subscribe(TOPIC); b.services.pubsub.subscribe(TOPIC)
let received = 0; let waiter = null; let target = 0
b.services.pubsub.addEventListener('message', () => { received++; if (waiter && received >= target) { const w = waiter; waiter = null; w() } })
await b.handle(SINK, async (stream) => {
  for await (const _ of stream) { void _ }
  stream.send(Uint8Array.from([1]))
  await stream.close()
})
await a.dial(b.getMultiaddrs()[0])
const t0 = Date.now()
while (!(a.services.pubsub.getMeshPeers(TOPIC).includes(b.peerId.toString()) && b.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(a.peerId)))) {
  if (Date.now() - t0 > 20000) throw new Error('mesh did not form')
  await new Promise(r => setTimeout(r, 20))
}

let seq = 0
function payload () {
  const raw = Buffer.alloc(size)
  randomFillSync(raw, 0, size >> 1)
  raw.writeInt32LE(seq++, 0)
  return new Uint8Array(SnappyJS.compress(raw))
}
const wait = (n) => new Promise(resolve => { target = n; if (received >= n) resolve(); else waiter = resolve })

// 1. throughput
const payloads = Array.from({ length: messages }, payload)
let start = process.hrtime.bigint()
const done = wait(messages)
for (let i = 0; i < payloads.length; i += 500) {
  await Promise.all(payloads.slice(i, i + 500).map(p => a.services.pubsub.publish(TOPIC, p)))
}
await done
const msgsPerSec = messages / (Number(process.hrtime.bigint() - start) / 1e9)

// 2. latency
const lat = []
for (let i = 0; i < latencyRounds; i++) {
  const p = payload()
  const w = wait(received + 1)
  const s = process.hrtime.bigint()
  await a.services.pubsub.publish(TOPIC, p)
  await w
  lat.push(Number(process.hrtime.bigint() - s) / 1e6)
}
lat.sort((x, y) => x - y)

// 3. secure stream throughput
const chunk = new Uint8Array(64 * 1024); randomFillSync(chunk)
const stream = await a.dialProtocol(b.peerId, SINK)
const total = streamMb * 1024 * 1024
start = process.hrtime.bigint()
const gotAck = (async () => { for await (const _ of stream) { void _; return } })()
for (let sent = 0; sent < total; sent += chunk.length) {
  if (!stream.send(chunk)) await new Promise(resolve => stream.addEventListener('drain', resolve, { once: true }))
}
await stream.close()
await gotAck
const mbps = streamMb / (Number(process.hrtime.bigint() - start) / 1e9)

console.log(JSON.stringify({ impl: 'js-libp2p', messages, size, gossipMsgsPerSec: Math.round(msgsPerSec), latencyMedianMs: +lat[lat.length >> 1].toFixed(3), latencyP99Ms: +lat[Math.floor(lat.length * 0.99)].toFixed(3), streamMBps: +mbps.toFixed(1) }))
await a.stop(); await b.stop()
process.exit(0)
