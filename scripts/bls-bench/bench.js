// Reference timings of native blst (through @chainsafe/blst) on the same inputs as BlsBench.cs.
// Prints one JSON object: { op: median milliseconds }. Inputs are derived exactly as in BlsBench.cs.
'use strict';
const crypto = require('crypto');
const blst = require('@chainsafe/blst');

function sha256(parts) {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}
function u32le(i) { const b = Buffer.alloc(4); b.writeUInt32LE(i); return b; }
function secretKeyBytes(i) { const b = sha256([Buffer.from('cirrus-bls-bench-sk'), u32le(i)]); b[0] &= 0x3f; if (b[0] === 0) b[0] = 1; return b; }
function message(i) { return sha256([Buffer.from('cirrus-bls-bench-msg'), u32le(i)]); }

function median(xs) { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; }
function time(fn, budgetMs, minSamples, maxSamples) {
  for (let i = 0; i < 3; i++) fn();                        // warm-up
  const samples = [];
  const start = process.hrtime.bigint();
  while (samples.length < maxSamples) {
    const t0 = process.hrtime.bigint();
    fn();
    const t1 = process.hrtime.bigint();
    samples.push(Number(t1 - t0) / 1e6);
    if (samples.length >= minSamples && Number(t1 - start) / 1e6 > budgetMs) break;
  }
  return median(samples);
}

const N = 128;
const sks = [], pks = [], msgs = [], sigs = [];
for (let i = 0; i < N; i++) {
  const sk = blst.SecretKey.fromBytes(secretKeyBytes(i));
  sks.push(sk); pks.push(sk.toPublicKey()); msgs.push(message(i)); sigs.push(sk.sign(msgs[i]));
}
const common = message(1000);
const commonSigs = sks.map((sk) => sk.sign(common));
const aggSig = blst.aggregateSignatures(commonSigs);
const pkBytes = pks[0].toBytes(true), sigBytes = sigs[0].toBytes(true);
const budget = Number(process.env.BENCH_BUDGET_MS || 1500);

const r = {};
if (!blst.verify(msgs[0], pks[0], sigs[0])) throw new Error('verify failed');
if (!blst.fastAggregateVerify(common, pks, aggSig)) throw new Error('fav failed');
const sets = []; for (let i = 0; i < N; i++) sets.push({ msg: msgs[i], pk: pks[i], sig: sigs[i] });
if (!blst.verifyMultipleAggregateSignatures(sets)) throw new Error('batch failed');

r.verify = time(() => blst.verify(msgs[0], pks[0], sigs[0]), budget, 9, 2000);
r.sign = time(() => sks[0].sign(msgs[0]), budget, 9, 2000);
r.fav128 = time(() => blst.fastAggregateVerify(common, pks, aggSig), budget, 9, 2000);
r.batch128 = time(() => blst.verifyMultipleAggregateSignatures(sets), budget * 2, 9, 200);
r.decodePk = time(() => blst.PublicKey.fromBytes(pkBytes, true), budget / 2, 9, 5000);
r.decodeSig = time(() => blst.Signature.fromBytes(sigBytes, true), budget / 2, 9, 5000);
// The expected signature of set 0, so the runner can check both sides signed the same thing.
r.sig0 = Buffer.from(sigBytes).toString('hex');
console.log(JSON.stringify(r));
