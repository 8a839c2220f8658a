// Lodestar 1.5.1's phase0 state transition as a long-lived oracle for fuzz/Cirrus.Differential.
// Frames on stdin/stdout: u32 little-endian length, then the payload.
//   request  [0x01][u32 id][BeaconState ssz]           register a pre-state
//            [0x02][u32 id][SignedBeaconBlock ssz]     state_transition(pre-state id, block)
//            [0x03][u32 id][u8 kind][operation ssz]    one operation on the pre-state, as the spec's operations
//              tests run it (kind 0 attestation, 1 proposer_slashing, 2 attester_slashing, 3 voluntary_exit, 4 deposit)
//   response [u8 verdict][32-byte root][utf8 message]
//     verdict 0 reject, 1 accept, 2 processed but the block's state_root differs (root = post-state root),
//             3 the block did not decode; for 0x01 the root is the pre-state's hash_tree_root.
// Usage: node lodestar-runner.mjs MODULES_DIR   (MODULES_DIR: tests/interop-lodestar/node_modules)
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

// the real path, so these imports and the packages' own imports load the same module instances
const modules = fs.realpathSync(path.resolve(process.argv[2] ?? "tests/interop-lodestar/node_modules"));
const load = (name) => import(pathToFileURL(path.join(modules, name)).href);

// The preset must be set before anything imports @lodestar/params: v0.12.3's minimal preset differs
// from Lodestar's v1.x minimal in these three (consensus-spec-tests/minimal/config/phase0.yaml).
const setPreset = await load("@lodestar/params/lib/setPreset.js");
setPreset.setActivePreset(setPreset.PresetName.minimal, {
  INACTIVITY_PENALTY_QUOTIENT: 16777216,
  MIN_SLASHING_PENALTY_QUOTIENT: 32,
  PROPORTIONAL_SLASHING_MULTIPLIER: 3,
});
const params = await load("@lodestar/params/lib/index.js");
const { ssz } = await load("@lodestar/types/lib/index.js");
const config = await load("@lodestar/config/lib/index.js");
const { chainConfig: minimalConfig } = await load("@lodestar/config/lib/chainConfig/presets/minimal.js");
const st = await load("@lodestar/state-transition/lib/index.js");
const ops = await load("@lodestar/state-transition/lib/block/index.js");

if (params.INACTIVITY_PENALTY_QUOTIENT !== 16777216 || params.PROPORTIONAL_SLASHING_MULTIPLIER !== 3)
  throw new Error("the preset override did not take effect");

// v0.12.3 minimal's config: CHURN_LIMIT_QUOTIENT is 65536 there (v1.x minimal: 32); no later fork ever starts.
const chainConfig = config.createIChainConfig({
  ...minimalConfig,
  CHURN_LIMIT_QUOTIENT: 65536,
  ALTAIR_FORK_EPOCH: Infinity,
  BELLATRIX_FORK_EPOCH: Infinity,
  CAPELLA_FORK_EPOCH: Infinity,
  EIP4844_FORK_EPOCH: Infinity,
});

// One pubkey cache for every pre-state: the driver's states share their registries' prefixes.
const pubkey2index = new st.PubkeyIndexMap();
const index2pubkey = [];
let beaconConfig = null;
const states = new Map();

function reply(verdict, root, message) {
  const msg = Buffer.from(message ?? "", "utf8");
  const out = Buffer.alloc(4 + 1 + 32 + msg.length);
  out.writeUInt32LE(1 + 32 + msg.length, 0);
  out[4] = verdict;
  if (root) Buffer.from(root).copy(out, 5);
  msg.copy(out, 37);
  process.stdout.write(out);
}

function registerState(id, bytes) {
  const view = ssz.phase0.BeaconState.deserializeToViewDU(bytes);
  beaconConfig ??= config.createIBeaconConfig(chainConfig, view.genesisValidatorsRoot);
  const cached = st.createCachedBeaconState(view, { config: beaconConfig, pubkey2index, index2pubkey }, { skipSyncPubkeys: false });
  states.set(id, cached);
  reply(1, cached.hashTreeRoot(), "");
}

function runBlock(id, bytes) {
  const pre = states.get(id);
  if (!pre) return reply(0, null, `unknown pre-state ${id}`);
  let block;
  try {
    block = ssz.phase0.SignedBeaconBlock.deserialize(bytes);
  } catch (e) {
    return reply(3, null, String(e?.message ?? e));
  }
  // v0.12.3 process_slots asserts state.slot < slot; Lodestar only refuses slot < state.slot.
  if (block.message.slot <= pre.slot) return reply(0, null, `block slot ${block.message.slot} not after state slot ${pre.slot}`);
  let post;
  try {
    post = st.stateTransition(pre, block, { verifyStateRoot: false, verifyProposer: true, verifySignatures: true });
  } catch (e) {
    return reply(0, null, String(e?.message ?? e).slice(0, 300));
  }
  const root = post.hashTreeRoot();
  if (Buffer.compare(Buffer.from(root), Buffer.from(block.message.stateRoot)) !== 0) return reply(2, root, "state root mismatch");
  reply(1, root, "");
}

const operations = [
  [ssz.phase0.Attestation, (state, op) => ops.processAttestations(params.ForkSeq.phase0, state, [op], true)],
  [ssz.phase0.ProposerSlashing, (state, op) => ops.processProposerSlashing(params.ForkSeq.phase0, state, op, true)],
  [ssz.phase0.AttesterSlashing, (state, op) => ops.processAttesterSlashing(params.ForkSeq.phase0, state, op, true)],
  [ssz.phase0.SignedVoluntaryExit, (state, op) => ops.processVoluntaryExit(state, op, true)],
  [ssz.phase0.Deposit, (state, op) => ops.processDeposit(params.ForkSeq.phase0, state, op)],
];

function runOperation(id, kind, bytes) {
  const pre = states.get(id);
  if (!pre) return reply(0, null, `unknown pre-state ${id}`);
  const [type, apply] = operations[kind] ?? [];
  if (!type) return reply(0, null, `unknown operation kind ${kind}`);
  let op;
  try {
    op = type.deserialize(bytes);
  } catch (e) {
    return reply(3, null, String(e?.message ?? e));
  }
  const state = pre.clone();
  try {
    apply(state, op);
  } catch (e) {
    return reply(0, null, String(e?.message ?? e).slice(0, 300));
  }
  state.commit();
  reply(1, state.hashTreeRoot(), "");
}

function handle(frame) {
  const kind = frame[0];
  const id = frame.readUInt32LE(1);
  const body = frame.subarray(5);
  try {
    if (kind === 1) registerState(id, body);
    else if (kind === 2) runBlock(id, body);
    else if (kind === 3) runOperation(id, body[0], body.subarray(1));
    else reply(0, null, `unknown request ${kind}`);
  } catch (e) {
    // an exception outside the transition itself (e.g. a pre-state that does not decode)
    reply(0, null, "runner: " + String(e?.stack ?? e).slice(0, 500));
  }
}

let pending = Buffer.alloc(0);
process.stdin.on("data", (chunk) => {
  pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
  while (pending.length >= 4) {
    const len = pending.readUInt32LE(0);
    if (pending.length < 4 + len) break;
    handle(pending.subarray(4, 4 + len));
    pending = pending.subarray(4 + len);
  }
});
process.stdin.on("end", () => process.exit(0));
process.stderr.write(`lodestar-runner ready (preset minimal with v0.12.3 overrides)\n`);
