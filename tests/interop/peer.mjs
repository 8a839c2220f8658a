// A js-libp2p peer driven by Cirrus.Networking interop tests over stdin/stdout (one JSON object per line).
// argv[2]: JSON config {"keyType":"Ed25519"|"secp256k1","muxers":["yamux","mplex"]}
// stdin commands: {"id":1,"cmd":"dial","addr":"..."} | ping | identify | subscribe | publish | mesh | reqresp | stop
// stdout: {"event":"ready","peerId":..,"addrs":[..]} | {"event":"message",...} | {"id":1,"ok":true,...}
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { mplex } from '@libp2p/mplex'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { gossipsub } from '@libp2p/gossipsub'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createHash } from 'node:crypto'
import { createInterface } from 'node:readline'
import SnappyJS from 'snappyjs'
import { encodeSszSnappy, decodeSszSnappy, readVarint, writeVarint } from './ssz_snappy.mjs'

const cfg = JSON.parse(process.argv[2] ?? '{}')
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const hex = (b) => Buffer.from(b).toString('hex')
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'))

// eth2 phase0 message-id: SHA256(MESSAGE_DOMAIN_VALID_SNAPPY ++ snappy_decompress(data))[:20]
function eth2MsgId (msg) {
  let domain = Uint8Array.from([1, 0, 0, 0])
  let payload
  try { payload = SnappyJS.uncompress(msg.data) } catch { domain = Uint8Array.from([0, 0, 0, 0]); payload = msg.data }
  return new Uint8Array(createHash('sha256').update(domain).update(payload).digest().subarray(0, 20))
}

const muxers = (cfg.muxers ?? ['yamux', 'mplex']).map(m => m === 'yamux' ? yamux() : mplex())
const privateKey = await generateKeyPair(cfg.keyType ?? 'Ed25519')
const node = await createLibp2p({
  privateKey,
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: muxers,
  connectionGater: { denyDialMultiaddr: () => false },
  services: {
    identify: identify(),
    ping: ping(),
    pubsub: gossipsub({
      globalSignaturePolicy: 'StrictNoSign',
      msgIdFn: eth2MsgId,
      allowPublishToZeroTopicPeers: true,
      emitSelf: false,
      heartbeatInterval: 700,
      D: 8, Dlo: 6, Dhi: 12, Dlazy: 6,
      fanoutTTL: 60_000,
      mcacheLength: 6,
      mcacheGossip: 3,
      seenTTL: 550 * 700
    })
  }
})

const ECHO = '/cirrus/test/echo/1/ssz_snappy'
// Request: one ssz_snappy payload. Response: two chunks (code 0): the payload reversed, then the payload itself.
await node.handle(ECHO, async (stream) => {
  const chunks = []
  for await (const c of stream) chunks.push(c.subarray ? c.subarray() : c)
  const req = decodeSszSnappy(Buffer.concat(chunks), 0, 1 << 20)
  const rev = Uint8Array.from(req.data).reverse()
  stream.send(Uint8Array.from([0, ...encodeSszSnappy(rev)]))
  stream.send(Uint8Array.from([0, ...encodeSszSnappy(req.data)]))
  await stream.close()
}, { runOnLimitedConnection: true })

node.services.pubsub.addEventListener('message', (evt) => {
  const m = evt.detail
  out({ event: 'message', topic: m.topic, data: hex(m.data), msgId: hex(eth2MsgId(m)) })
})

out({ event: 'ready', peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) })

async function handle (c) {
  switch (c.cmd) {
    case 'dial': {
      const conn = await node.dial(multiaddr(c.addr), { signal: AbortSignal.timeout(10000) })
      return { peer: conn.remotePeer.toString(), muxer: conn.multiplexer ?? null, encryption: conn.encryption ?? null }
    }
    case 'ping': {
      const rtt = await node.services.ping.ping(peerIdFromString(c.peer), { signal: AbortSignal.timeout(10000) })
      return { rtt }
    }
    case 'identify': {
      // wait until js-libp2p's identify of the remote has stored its protocols
      const pid = peerIdFromString(c.peer)
      const deadline = Date.now() + 10000
      while (Date.now() < deadline) {
        try {
          const p = await node.peerStore.get(pid)
          if (p.protocols.length > 0) {
            const agent = p.metadata.get('AgentVersion')
            return { protocols: p.protocols, agentVersion: agent ? Buffer.from(agent).toString() : null, addrs: p.addresses.map(a => a.multiaddr.toString()) }
          }
        } catch {}
        await new Promise(r => setTimeout(r, 100))
      }
      throw new Error('identify did not complete')
    }
    case 'connections':
      return { conns: node.getConnections().map(x => ({ peer: x.remotePeer.toString(), muxer: x.multiplexer ?? null, dir: x.direction })) }
    case 'subscribe':
      node.services.pubsub.subscribe(c.topic)
      return {}
    case 'publish': {
      const r = await node.services.pubsub.publish(c.topic, unhex(c.data))
      return { recipients: r.recipients.map(p => p.toString()) }
    }
    case 'publishMany': {
      // c.count messages: snappy(uint32le index ++ zeros(c.size))
      for (let i = 0; i < c.count; i++) {
        const raw = Buffer.alloc(4 + (c.size ?? 100))
        raw.writeUInt32LE(i, 0)
        await node.services.pubsub.publish(c.topic, new Uint8Array(SnappyJS.compress(raw)))
      }
      return {}
    }
    case 'mesh':
      return { peers: node.services.pubsub.getMeshPeers(c.topic), subscribers: node.services.pubsub.getSubscribers(c.topic).map(p => p.toString()) }
    case 'reqresp': {
      const stream = await node.dialProtocol(peerIdFromString(c.peer), c.protocol, { signal: AbortSignal.timeout(10000) })
      stream.send(encodeSszSnappy(unhex(c.data)))
      await stream.close()
      const chunks = []
      for await (const x of stream) chunks.push(x.subarray ? x.subarray() : x)
      const buf = Buffer.concat(chunks)
      const resp = []
      let pos = 0
      while (pos < buf.length) {
        const code = buf[pos++]
        const r = decodeSszSnappy(buf, pos, 1 << 20)
        resp.push({ code, data: hex(r.data) })
        pos = r.end
      }
      return { chunks: resp }
    }
    case 'stop':
      await node.stop()
      out({ id: c.id, ok: true })
      process.exit(0)
  }
  throw new Error('unknown command ' + c.cmd)
}

const rl = createInterface({ input: process.stdin })
rl.on('line', (line) => {
  if (!line.trim()) return
  const c = JSON.parse(line)
  handle(c).then(r => out({ id: c.id, ok: true, ...r }), e => out({ id: c.id, ok: false, error: String(e?.stack ?? e) }))
})
rl.on('close', async () => { await node.stop(); process.exit(0) })
void readVarint; void writeVarint
