// A @chainsafe/discv5 node on 127.0.0.1, driven by Cirrus's interop tests.
// Usage: node discv5-node.mjs <udp-port> [eth2-hex attnets-hex]
// Reads one JSON command per line on stdin; writes one JSON object per line on stdout.
// First line out: {"event":"ready","enr":"enr:...","nodeId":"..."}.
// Commands: {"id":1,"cmd":"addEnr","enr":"enr:..."} | ping | findNode {distances} | lookup {target}
//           | random | kad | talk {protocol,payload(hex)} | inspect {enr} | exit
import { createInterface } from "node:readline";
import { Discv5 } from "@chainsafe/discv5";
import { SignableENR, ENR } from "@chainsafe/enr";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { multiaddr } from "@multiformats/multiaddr";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: discv5-node.mjs <udp-port>");
  process.exit(2);
}

const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
const hex = (u8) => Buffer.from(u8).toString("hex");

const privateKey = await generateKeyPair("secp256k1");
const enr = SignableENR.createFromPrivateKey(privateKey);
enr.ip = "127.0.0.1";
enr.udp = port;
if (process.argv[3]) enr.set("eth2", Buffer.from(process.argv[3], "hex"));
if (process.argv[4]) enr.set("attnets", Buffer.from(process.argv[4], "hex"));

const discv5 = Discv5.create({
  enr,
  privateKey,
  bindAddrs: { ip4: multiaddr(`/ip4/127.0.0.1/udp/${port}`) },
  config: { requestTimeout: 3000, lookupTimeout: 20000, enrUpdate: false, pingInterval: 3600 * 1000 },
});

discv5.on("talkReqReceived", (nodeAddr, _enr, message) => {
  // echo protocol: reply with the request payload reversed
  const payload = Uint8Array.from(message.request).reverse();
  discv5.sendTalkResp(nodeAddr, message.id, payload).catch(() => {});
});

await discv5.start();
out({ event: "ready", enr: discv5.enr.toENR().encodeTxt(), nodeId: discv5.enr.nodeId });

const handlers = {
  addEnr: (c) => { discv5.addEnr(c.enr); return {}; },
  ping: async (c) => {
    const pong = await discv5.sendPing(ENR.decodeTxt(c.enr));
    return { enrSeq: pong.enrSeq.toString(), addr: pong.addr ? pong.addr.toString() : null };
  },
  findNode: async (c) => {
    const enrs = await discv5.sendFindNode(ENR.decodeTxt(c.enr), c.distances);
    return { enrs: enrs.map((e) => e.encodeTxt()) };
  },
  lookup: async (c) => ({ enrs: (await discv5.findNode(c.target)).map((e) => e.encodeTxt()) }),
  random: async () => ({ enrs: (await discv5.findRandomNode()).map((e) => e.encodeTxt()) }),
  kad: () => ({ enrs: discv5.kadValues().map((e) => e.encodeTxt()) }),
  talk: async (c) => {
    const resp = await discv5.sendTalkReq(ENR.decodeTxt(c.enr), Buffer.from(c.payload, "hex"), c.protocol);
    return { payload: hex(resp) };
  },
  // how @chainsafe/enr reads a record: node id, libp2p peer id, tcp multiaddr
  inspect: async (c) => {
    const e = ENR.decodeTxt(c.enr);
    const ma = await e.getFullMultiaddr("tcp");
    return { nodeId: e.nodeId, seq: e.seq.toString(), peerId: e.peerId.toString(), multiaddr: ma ? ma.toString() : null };
  },
  exit: async () => { await discv5.stop(); setTimeout(() => process.exit(0), 10); return {}; },
};

const rl = createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  let c;
  try { c = JSON.parse(line); } catch { return; }
  const h = handlers[c.cmd];
  if (!h) { out({ id: c.id, ok: false, error: `unknown command ${c.cmd}` }); return; }
  try { out({ id: c.id, ok: true, ...(await h(c)) }); }
  catch (e) { out({ id: c.id, ok: false, error: String(e && e.message ? e.message : e) }); }
});
// the test process owns us: when its pipe closes, stop
rl.on("close", () => { discv5.stop().finally(() => process.exit(0)); });
