// Prints the side-by-side table from the JSON files bench-bls.sh collected.
'use strict';
const fs = require('fs');
const path = require('path');
const dir = process.argv[2];
function load(prefix) {
  const files = fs.readdirSync(dir).filter((f) => f.startsWith(prefix + '.'));
  const best = {};
  for (const f of files) {
    const j = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const [k, v] of Object.entries(j)) {
      if (typeof v !== 'number') { best[k] = v; continue; }
      best[k] = best[k] === undefined ? v : Math.min(best[k], v);
    }
  }
  return best;
}
const ours = load('ours');
const blst = load('blst');
if (ours.sig0 !== blst.sig0) {
  console.error('the two sides produced different signatures for the same key and message');
  process.exit(1);
}
const rows = [
  ['Verify', 'verify'],
  ['Sign', 'sign'],
  ['hash_to_G2', 'hashToG2'],
  ['pairing (1 Miller loop + final exp)', 'pairing'],
  ['FastAggregateVerify, 128 keys', 'fav128'],
  [`batch of 128 sets (${ours.cores} cores ours)`, 'batch128'],
  ['  per signature', 'batch128', 128],
  ['batch of 128 sets (1 core ours)', 'batch128_1core', 1, 'batch128'],
  ['  per signature', 'batch128_1core', 128, 'batch128'],
  ['decode+validate public key', 'decodePk'],
  [`  128 at once, per key (ours ${ours.cores} cores; blst one by one)`, 'decodePk128', 1, 'decodePk'],
  ['decode+validate signature', 'decodeSig'],
  [`  128 at once, per signature (ours ${ours.cores} cores; blst one by one)`, 'decodeSig128', 1, 'decodeSig'],
];
function fmt(ms) {
  if (ms === undefined) return 'n/a';
  return ms >= 1 ? ms.toFixed(2) + ' ms' : (ms * 1000).toFixed(1) + ' µs';
}
const table = [['op', 'ours median', 'blst median', 'ratio', 'ours CPU/op', 'blst CPU/op', 'CPU ratio']];
function ratio(o, b) { return o !== undefined && b !== undefined ? (o / b).toFixed(2) + 'x' : 'n/a'; }
for (const [label, key, div = 1, blstKey = key] of rows) {
  const o = ours[key] === undefined ? undefined : ours[key] / div;
  const b = blst[blstKey] === undefined ? undefined : blst[blstKey] / div;
  const oc = ours[key + '_cpu'] === undefined ? undefined : ours[key + '_cpu'] / div;
  const bc = blst[blstKey + '_cpu'] === undefined ? undefined : blst[blstKey + '_cpu'] / div;
  table.push([label, fmt(o), fmt(b), ratio(o, b), fmt(oc), fmt(bc), ratio(oc, bc)]);
}
const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
for (const [i, r] of table.entries()) {
  console.log('| ' + r.map((cell, c) => cell.padEnd(widths[c])).join(' | ') + ' |');
  if (i === 0) console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
}
console.log('\nmedian = median wall-clock time of one call; CPU/op = process CPU time (all threads) per call over the');
console.log('same samples, which is less sensitive to other load on a shared machine. Each figure is the best of the rounds.');
console.log('blst: @chainsafe/blst 2.2.0 (native); ours: Cirrus.Crypto, pure C#. hash_to_G2 and a lone pairing are not exposed');
console.log('by @chainsafe/blst, so they have no reference. Goals: Verify <= 2.0x, batch per signature <= 1.5x.');
