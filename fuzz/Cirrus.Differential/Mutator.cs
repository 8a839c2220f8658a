using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Differential;

/// <summary>One differential case: a pre-state of the base chain and the SSZ of a signed block, with how it was made.</summary>
/// <remarks><see cref="Operation"/>: null for a block; else the SSZ in <see cref="Block"/> is that operation alone.</remarks>
public sealed record Case(int PreIndex, byte[] Block, string Description, OperationKind? Operation = null);

/// <summary>The operations run alone, as the spec's operations tests do (numbered as the Lodestar runner numbers them).</summary>
public enum OperationKind : byte { Attestation = 0, ProposerSlashing = 1, AttesterSlashing = 2, VoluntaryExit = 3, Deposit = 4 }

/// <summary>
/// Builds blocks on a base-chain state: near-valid bodies (attestations of real committees, slashings,
/// exits), then structured mutations, re-signed with the interop keys so that signatures stay valid
/// and the checks behind them are reached; a share is left unsigned or has random bytes changed.
/// </summary>
public sealed class Mutator(BaseChain chain, Random rng)
{
    private readonly BaseChain _chain = chain;
    private readonly Random _rng = rng;
    private SszSchema Schema => _chain.Config.Schema;
    private ulong SlotsPerEpoch => _chain.Config.SlotsPerEpoch;

    private sealed class Ctx
    {
        public required CachedBeaconState Pre;
        public required CachedBeaconState Adv;
        public required BeaconBlock Block;
        public bool SetStateRoot = true, SignBlock = true, ResignRandao = true;
        public readonly List<string> Notes = [];
    }

    // one case in eight on a state with deposits due
    private int PickPreState() => _chain.DueDeposits.Count > 0 && _rng.Next(8) == 0
        ? _chain.DueDeposits.Keys.ElementAt(_rng.Next(_chain.DueDeposits.Count))
        : _rng.Next(_chain.Slots.Count - _chain.DueDeposits.Count);

    /// <summary>
    /// One operation on a base-chain state as it is (no slots processed, as in the spec's operations tests),
    /// near-valid and signed, then mutated by that operation's own mutations.
    /// </summary>
    public Case NextOperation()
    {
        int p = PickPreState();
        var pre = _chain.Slots[p].State;
        var kind = (OperationKind)_rng.Next(5);
        if (kind == OperationKind.Attestation && pre.State.Slot == 0) kind = OperationKind.ProposerSlashing;
        var ctx = new Ctx { Pre = pre, Adv = pre, Block = new BeaconBlock { Slot = pre.State.Slot } };
        ctx.Notes.Add($"{kind} on pre slot {pre.State.Slot}");
        var body = ctx.Block.Body;
        void Fresh()
        {
            switch (kind)
            {
                case OperationKind.Attestation: body.Attestations.Add(NewAttestation(pre)!); break;
                case OperationKind.ProposerSlashing: body.ProposerSlashings.Add(NewProposerSlashing(pre, RandomValidator(ctx))); break;
                case OperationKind.AttesterSlashing: body.AttesterSlashings.Add(NewAttesterSlashing(pre, _rng.Next(2) == 0)); break;
                case OperationKind.VoluntaryExit: body.VoluntaryExits.Add(NewExit(pre, RandomValidator(ctx), pre.CurrentEpoch)); break;
                default:
                    body.Deposits.Add(_chain.DueDeposits.TryGetValue(p, out var due)
                        ? Schema.Copy(due[(int)(pre.State.Eth1DepositIndex - (ulong)_chain.Validators)])
                        : new Deposit { Proof = RandomProof(), Data = new DepositData { Pubkey = _chain.Keys.Pubkeys[_rng.Next(_chain.Keys.Count)], Amount = 32_000_000_000 } });
                    break;
            }
        }
        Fresh();
        int mutations = _rng.NextDouble() switch { < 0.35 => 0, < 0.8 => 1, _ => 2 };
        for (int i = 0; i < mutations; i++)
        {
            int m = kind switch
            {
                OperationKind.Attestation => _rng.Next(8),
                OperationKind.ProposerSlashing => 17,
                OperationKind.AttesterSlashing => 18,
                OperationKind.VoluntaryExit => 20,
                _ => -1,
            };
            if (m >= 0) Mutate(ctx, m);
            else MutateDeposit(ctx, body.Deposits[0]);
        }
        byte[] bytes = kind switch
        {
            OperationKind.Attestation => Schema.Serialize(First(body.Attestations)),
            OperationKind.ProposerSlashing => Schema.Serialize(First(body.ProposerSlashings)),
            OperationKind.AttesterSlashing => Schema.Serialize(First(body.AttesterSlashings)),
            OperationKind.VoluntaryExit => Schema.Serialize(First(body.VoluntaryExits)),
            _ => Schema.Serialize(First(body.Deposits)),
        };
        if (_rng.NextDouble() < 0.05) bytes = RandomBytes(bytes, ctx);
        return new Case(p, bytes, string.Join("; ", ctx.Notes), kind);

        // a mutation may have dropped or added one: the case is the first (a fresh one if none is left)
        T First<T>(List<T> list)
        {
            if (list.Count == 0) Fresh();
            return list[0];
        }
    }

    private void MutateDeposit(Ctx ctx, Deposit d)
    {
        switch (_rng.Next(5))
        {
            case 0: d.Proof[_rng.Next(d.Proof.Length)] = RandomRoot(); Note(ctx, "deposit proof", false); break;
            case 1: d.Data.Amount = (ulong)_rng.Next(3) * 16_000_000_000 + (ulong)_rng.Next(2); Note(ctx, $"deposit amount {d.Data.Amount}", false); break;
            case 2: d.Data.Signature = RandomSignature(); Note(ctx, "deposit signature", false); break;
            case 3: d.Data.Pubkey = _chain.Keys.Pubkeys[_rng.Next(_chain.Keys.Count)]; Note(ctx, "deposit pubkey", false); break;
            default: d.Data.WithdrawalCredentials = RandomRoot(); Note(ctx, "deposit withdrawal credentials", false); break;
        }
    }

    private Bytes32[] RandomProof() => [.. Enumerable.Range(0, 33).Select(_ => RandomRoot())];

    public Case Next()
    {
        int p = PickPreState();
        var pre = _chain.Slots[p].State;
        ulong s = pre.State.Slot;
        double r = _rng.NextDouble();
        ulong t = r < 0.75 ? s + 1
            : r < 0.90 ? s + 2 + (ulong)_rng.Next(3)
            : r < 0.97 ? (s / SlotsPerEpoch + 1) * SlotsPerEpoch + (ulong)_rng.Next(2)
            : s > 0 && _rng.Next(2) == 0 ? s - 1 : s;
        var adv = pre.Copy();
        if (t > s) StateTransition.ProcessSlots(adv, t);
        var block = new BeaconBlock
        {
            Slot = t,
            ProposerIndex = t > s ? adv.GetBeaconProposerIndex() : (ulong)_rng.Next(_chain.Validators),
            ParentRoot = _chain.Slots[p].BlockRoot,
            Body = new BeaconBlockBody { Eth1Data = Schema.Copy(adv.State.Eth1Data) },
        };
        var ctx = new Ctx { Pre = pre, Adv = adv, Block = block };
        ctx.Notes.Add($"pre slot {s}, block slot {t}");
        if (_rng.Next(8) == 0) block.Body.Graffiti = RandomRoot();
        if (t > s) AddOperations(ctx);

        int mutations = _rng.NextDouble() switch { < 0.3 => 0, < 0.7 => 1, < 0.9 => 2, _ => 3 };
        for (int i = 0; i < mutations; i++) Mutate(ctx);

        if (ctx.ResignRandao) block.Body.RandaoReveal = block.ProposerIndex < (ulong)_chain.Keys.Count && block.Slot > s
            ? _chain.RandaoReveal(adv, block.ProposerIndex, block.Slot) : RandomSignature();
        // duplications may overfill a list: an over-long list cannot be encoded (or hashed), so it is no case
        var c = _chain.Config;
        Trim(block.Body.ProposerSlashings, (int)c.MaxProposerSlashings);
        Trim(block.Body.AttesterSlashings, (int)c.MaxAttesterSlashings);
        Trim(block.Body.Attestations, (int)c.MaxAttestations);
        Trim(block.Body.Deposits, (int)c.MaxDeposits);
        Trim(block.Body.VoluntaryExits, (int)c.MaxVoluntaryExits);
        SignedBeaconBlock signed;
        if (block.Slot > s) signed = _chain.Seal(pre, block, ctx.SetStateRoot, ctx.SignBlock && block.ProposerIndex < (ulong)_chain.Keys.Count);
        else signed = new SignedBeaconBlock { Message = block, Signature = _chain.SignBlock(pre, block) };
        if (!ctx.SignBlock && signed.Signature == default(Bytes96)) signed.Signature = RandomSignature();

        byte[] bytes = Schema.Serialize(signed);
        if (_rng.NextDouble() < 0.08)
        {
            // A flip in the slot's high bytes makes process_slots run for ages, on both sides (the spec does
            // not bound it; gossip's future-slot check does): such blocks are not cases, flip elsewhere.
            for (int tries = 0; tries < 10; tries++)
            {
                var flipped = RandomBytes(bytes, ctx);
                if (FarFuture(flipped, s)) { ctx.Notes.RemoveAt(ctx.Notes.Count - 1); continue; }
                bytes = flipped;
                break;
            }
        }
        return new Case(p, bytes, string.Join("; ", ctx.Notes));
    }

    // ---- near-valid operations -------------------------------------------------------------

    private void AddOperations(Ctx ctx)
    {
        var body = ctx.Block.Body;
        int pre = _chain.Slots.FindIndex(x => ReferenceEquals(x.State, ctx.Pre));
        if (_chain.DueDeposits.TryGetValue(pre, out var due))
        {
            foreach (var d in due) body.Deposits.Add(Schema.Copy(d));
            ctx.Notes.Add($"{due.Count} deposits");
        }
        int atts = _rng.NextDouble() switch { < 0.15 => 0, < 0.5 => 1, < 0.8 => 2, _ => 2 + _rng.Next(4) };
        for (int i = 0; i < atts; i++)
        {
            var a = NewAttestation(ctx.Adv);
            if (a != null) body.Attestations.Add(a);
        }
        if (_rng.NextDouble() < 0.15) { body.ProposerSlashings.Add(NewProposerSlashing(ctx.Adv, RandomValidator(ctx))); ctx.Notes.Add("proposer slashing"); }
        if (_rng.NextDouble() < 0.15) { body.AttesterSlashings.Add(NewAttesterSlashing(ctx.Adv, _rng.Next(2) == 0)); ctx.Notes.Add("attester slashing"); }
        if (_rng.NextDouble() < 0.15) { body.VoluntaryExits.Add(NewExit(ctx.Adv, RandomValidator(ctx), ctx.Adv.CurrentEpoch)); ctx.Notes.Add("exit"); }
    }

    private ulong RandomValidator(Ctx ctx) => (ulong)_rng.Next(ctx.Adv.State.Validators.Count);

    /// <summary>A valid attestation to a recent slot by one committee of the advanced state (null when there is no such slot).</summary>
    private Attestation? NewAttestation(CachedBeaconState adv)
    {
        ulong t = adv.State.Slot;
        if (t == 0) return null;
        ulong from = t > SlotsPerEpoch ? t - SlotsPerEpoch : 0;
        ulong x = from + (ulong)_rng.Next((int)(t - from));
        ulong count = BeaconStateAccessors.GetCommitteeCountPerSlot(adv, x / SlotsPerEpoch);
        ulong index = (ulong)_rng.Next((int)count);
        var committee = BeaconStateAccessors.GetBeaconCommittee(adv, x, index).ToArray();
        var bits = new Bitlist(committee.Length);
        bool full = _rng.NextDouble() < 0.6;
        for (int i = 0; i < committee.Length; i++) bits[i] = full || _rng.Next(2) == 0;
        if (bits.PopCount() == 0) bits[_rng.Next(committee.Length)] = true;
        return _chain.SignAttestation(adv, _chain.AttestationDataFor(adv, x, index), committee, bits);
    }

    private ProposerSlashing NewProposerSlashing(CachedBeaconState adv, ulong proposer)
    {
        ulong slot = (ulong)_rng.Next((int)adv.State.Slot + 1);
        var h1 = new BeaconBlockHeader { Slot = slot, ProposerIndex = proposer, ParentRoot = RandomRoot(), StateRoot = RandomRoot(), BodyRoot = RandomRoot() };
        var h2 = Schema.Copy(h1);
        h2.BodyRoot = RandomRoot();
        return new ProposerSlashing
        {
            SignedHeader1 = new SignedBeaconBlockHeader { Message = h1, Signature = SignHeader(adv, h1) },
            SignedHeader2 = new SignedBeaconBlockHeader { Message = h2, Signature = SignHeader(adv, h2) },
        };
    }

    private Bytes96 SignHeader(CachedBeaconState adv, BeaconBlockHeader h)
    {
        var domain = BeaconStateAccessors.GetDomain(_chain.Config, adv.State, _chain.Config.DomainBeaconProposer, h.Slot / SlotsPerEpoch);
        return _chain.Keys.Sign(h.ProposerIndex, Misc.ComputeSigningRoot(_chain.Config, h, domain));
    }

    /// <summary>Two conflicting attestations by a sorted set of validators: a double vote or a surround vote.</summary>
    private AttesterSlashing NewAttesterSlashing(CachedBeaconState adv, bool doubleVote)
    {
        ulong epoch = adv.CurrentEpoch;
        var indices = new SortedSet<ulong>();
        int n = 1 + _rng.Next(6);
        for (int i = 0; i < n; i++) indices.Add((ulong)_rng.Next(adv.State.Validators.Count));
        var d1 = new AttestationData
        {
            Slot = (ulong)_rng.Next((int)adv.State.Slot + 1),
            Index = 0,
            BeaconBlockRoot = RandomRoot(),
            Source = new Checkpoint { Epoch = 0, Root = RandomRoot() },
            Target = new Checkpoint { Epoch = epoch, Root = RandomRoot() },
        };
        var d2 = Schema.Copy(d1);
        if (doubleVote || epoch < 2) d2.BeaconBlockRoot = RandomRoot();
        else
        {
            // d1 surrounds d2: s1 < s2 and t2 < t1
            d2.Source.Epoch = 1;
            d2.Target.Epoch = epoch - 1;
        }
        return new AttesterSlashing { Attestation1 = Indexed(adv, d1, indices), Attestation2 = Indexed(adv, d2, indices) };
    }

    private IndexedAttestation Indexed(CachedBeaconState adv, AttestationData d, IEnumerable<ulong> indices) =>
        new() { AttestingIndices = [.. indices], Data = d, Signature = _chain.SignAttestationData(adv, d, indices) };

    private SignedVoluntaryExit NewExit(CachedBeaconState adv, ulong validator, ulong epoch)
    {
        var exit = new VoluntaryExit { Epoch = epoch, ValidatorIndex = validator };
        return new SignedVoluntaryExit { Message = exit, Signature = SignExit(adv, exit) };
    }

    private Bytes96 SignExit(CachedBeaconState adv, VoluntaryExit exit)
    {
        var domain = BeaconStateAccessors.GetDomain(_chain.Config, adv.State, _chain.Config.DomainVoluntaryExit, exit.Epoch);
        return _chain.Keys.Sign(exit.ValidatorIndex, Misc.ComputeSigningRoot(_chain.Config, exit, domain));
    }

    // ---- mutations -----------------------------------------------------------------------

    private void Mutate(Ctx ctx) => Mutate(ctx, _rng.Next(24));

    private void Mutate(Ctx ctx, int kind)
    {
        var b = ctx.Block;
        var body = b.Body;
        var adv = ctx.Adv;
        bool resign = _rng.NextDouble() < 0.85;
        switch (kind)
        {
            case 0 or 1 when body.Attestations.Count > 0:
            {
                var a = Pick(body.Attestations);
                if (a.AggregationBits.Count == 0) break;
                int i = _rng.Next(a.AggregationBits.Count);
                a.AggregationBits[i] = !a.AggregationBits[i];
                Note(ctx, $"attestation bit {i} flipped", resign);
                if (resign) ResignAttestation(adv, a);
                break;
            }
            case 2 when body.Attestations.Count > 0:
            {
                var a = Pick(body.Attestations);
                int len = Math.Max(0, a.AggregationBits.Count + (_rng.Next(2) == 0 ? 1 : -1));
                var bits = new Bitlist(len);
                for (int i = 0; i < len && i < a.AggregationBits.Count; i++) bits[i] = a.AggregationBits[i];
                if (len > a.AggregationBits.Count && _rng.Next(2) == 0) bits[len - 1] = true;
                a.AggregationBits = bits;
                Note(ctx, $"attestation bits length {len}", resign);
                if (resign) ResignAttestation(adv, a);
                break;
            }
            case 3 when body.Attestations.Count > 0:
            {
                var a = Pick(body.Attestations);
                a.Data.Slot = _rng.Next(3) switch { 0 => a.Data.Slot + 1, 1 => a.Data.Slot - Math.Min(a.Data.Slot, 1), _ => (ulong)_rng.Next((int)b.Slot + 4) };
                Note(ctx, $"attestation slot {a.Data.Slot}", resign);
                if (resign) ResignAttestation(adv, a);
                break;
            }
            case 4 when body.Attestations.Count > 0:
            {
                var a = Pick(body.Attestations);
                a.Data.Index = _rng.Next(2) == 0 ? a.Data.Index + 1 : (ulong)_rng.Next(6);
                Note(ctx, $"attestation index {a.Data.Index}", resign);
                if (resign) ResignAttestation(adv, a);
                break;
            }
            case 5 when body.Attestations.Count > 0:
            {
                var a = Pick(body.Attestations);
                a.Data.Target.Epoch = _rng.Next(2) == 0 ? a.Data.Target.Epoch + 1 : a.Data.Target.Epoch - Math.Min(1, a.Data.Target.Epoch);
                Note(ctx, $"attestation target epoch {a.Data.Target.Epoch}", resign);
                if (resign) ResignAttestation(adv, a);
                break;
            }
            case 6 when body.Attestations.Count > 0:
            {
                var a = Pick(body.Attestations);
                switch (_rng.Next(4))
                {
                    case 0: a.Data.Target.Root = RandomRoot(); Note(ctx, "attestation target root", resign); break;
                    case 1: a.Data.Source.Root = RandomRoot(); Note(ctx, "attestation source root", resign); break;
                    case 2: a.Data.Source.Epoch = (ulong)_rng.Next((int)(b.Slot / SlotsPerEpoch) + 2); Note(ctx, $"attestation source epoch {a.Data.Source.Epoch}", resign); break;
                    default: a.Data.BeaconBlockRoot = RandomRoot(); Note(ctx, "attestation head root", resign); break;
                }
                if (resign) ResignAttestation(adv, a);
                break;
            }
            case 7 when body.Attestations.Count > 0:
            {
                var a = Pick(body.Attestations);
                a.Signature = _rng.Next(3) switch { 0 => RandomSignature(), 1 => Pick(body.Attestations).Signature, _ => InfinitySignature() };
                Note(ctx, "attestation signature replaced", false);
                break;
            }
            case 8 when body.Attestations.Count > 0:
                body.Attestations.Add(Schema.Copy(Pick(body.Attestations)));
                Note(ctx, "attestation duplicated", false);
                break;
            case 9 when body.Attestations.Count > 0:
                body.Attestations.RemoveAt(_rng.Next(body.Attestations.Count));
                Note(ctx, "attestation dropped", false);
                break;
            case 10:
                b.Slot += (ulong)_rng.Next(1, 3);
                Note(ctx, $"block slot {b.Slot}", false);
                break;
            case 11:
                b.ProposerIndex = _rng.Next(4) == 0 ? (ulong)adv.State.Validators.Count + (ulong)_rng.Next(3) : (ulong)_rng.Next(adv.State.Validators.Count);
                Note(ctx, $"proposer index {b.ProposerIndex}", false);
                break;
            case 12:
                b.ParentRoot = RandomRoot();
                Note(ctx, "parent root", false);
                break;
            case 13:
                b.StateRoot = RandomRoot();
                ctx.SetStateRoot = false;
                Note(ctx, "state root", false);
                break;
            case 14:
                ctx.ResignRandao = false;
                ulong who = _rng.Next(2) == 0 ? b.ProposerIndex : (ulong)_rng.Next(_chain.Validators);
                ulong epoch = adv.CurrentEpoch + (ulong)_rng.Next(2);
                body.RandaoReveal = _rng.Next(3) == 0 ? RandomSignature() : _chain.RandaoReveal(adv, who, epoch * SlotsPerEpoch);
                Note(ctx, $"randao reveal (validator {who}, epoch {epoch})", false);
                break;
            case 15:
                body.Eth1Data = new Eth1Data { DepositRoot = RandomRoot(), DepositCount = adv.State.Eth1Data.DepositCount + (ulong)_rng.Next(3), BlockHash = RandomRoot() };
                Note(ctx, $"eth1 vote (count {body.Eth1Data.DepositCount})", false);
                break;
            case 16:
                ctx.SignBlock = false;
                Note(ctx, "block signature", false);
                break;
            case 17:
                MutateProposerSlashing(ctx, resign);
                break;
            case 18 or 19:
                MutateAttesterSlashing(ctx, resign);
                break;
            case 20 or 21:
                MutateExit(ctx, resign);
                break;
            case 22 when body.Deposits.Count > 1 && _rng.Next(3) > 0:
            {
                var d = Pick(body.Deposits);
                switch (_rng.Next(4))
                {
                    case 0: body.Deposits.Remove(d); Note(ctx, "deposit dropped", false); break;
                    case 1: d.Proof[_rng.Next(d.Proof.Length)] = RandomRoot(); Note(ctx, "deposit proof", false); break;
                    case 2: d.Data.Amount += 1; Note(ctx, "deposit amount", false); break;
                    default: (body.Deposits[0], body.Deposits[1]) = (body.Deposits[1], body.Deposits[0]); Note(ctx, "deposits swapped", false); break;
                }
                break;
            }
            case 22:
            {
                // a deposit where none is due, or a bad proof
                var d = new Deposit { Proof = Enumerable.Range(0, 33).Select(_ => RandomRoot()).ToArray(), Data = new DepositData { Pubkey = _chain.Keys.Pubkeys[_rng.Next(_chain.Keys.Count)], Amount = 32_000_000_000 } };
                body.Deposits.Add(d);
                Note(ctx, "deposit added", false);
                break;
            }
            default:
            {
                var a = NewAttestation(adv);
                if (a != null) { body.Attestations.Add(a); Note(ctx, "attestation added", true); }
                break;
            }
        }
    }

    private void MutateProposerSlashing(Ctx ctx, bool resign)
    {
        var adv = ctx.Adv;
        var list = ctx.Block.Body.ProposerSlashings;
        if (list.Count == 0 || _rng.Next(3) == 0) { list.Add(NewProposerSlashing(adv, (ulong)_rng.Next(adv.State.Validators.Count))); Note(ctx, "proposer slashing added", true); return; }
        var ps = Pick(list);
        var h1 = ps.SignedHeader1.Message;
        var h2 = ps.SignedHeader2.Message;
        switch (_rng.Next(6))
        {
            case 0: h2.BodyRoot = h1.BodyRoot; Note(ctx, "proposer slashing: equal headers", resign); break;
            case 1: h2.Slot = h1.Slot + 1; Note(ctx, "proposer slashing: slots differ", resign); break;
            case 2: h2.ProposerIndex = (h1.ProposerIndex + 1) % (ulong)adv.State.Validators.Count; Note(ctx, "proposer slashing: proposers differ", resign); break;
            case 3: h1.ProposerIndex = h2.ProposerIndex = (ulong)adv.State.Validators.Count + (ulong)_rng.Next(2); Note(ctx, "proposer slashing: unknown proposer", resign); break;
            case 4: list.Add(Schema.Copy(ps)); Note(ctx, "proposer slashing duplicated", false); return;
            default: ps.SignedHeader2.Signature = _rng.Next(2) == 0 ? RandomSignature() : ps.SignedHeader1.Signature; Note(ctx, "proposer slashing signature", false); return;
        }
        if (resign)
        {
            ps.SignedHeader1.Signature = SignHeader(adv, h1);
            ps.SignedHeader2.Signature = SignHeader(adv, h2);
        }
    }

    private void MutateAttesterSlashing(Ctx ctx, bool resign)
    {
        var adv = ctx.Adv;
        var list = ctx.Block.Body.AttesterSlashings;
        if (list.Count == 0 || _rng.Next(4) == 0) { list.Add(NewAttesterSlashing(adv, _rng.Next(2) == 0)); Note(ctx, "attester slashing added", true); return; }
        var s = Pick(list);
        var a = _rng.Next(2) == 0 ? s.Attestation1 : s.Attestation2;
        var idx = a.AttestingIndices;
        switch (_rng.Next(8))
        {
            case 0: s.Attestation2.Data = Schema.Copy(s.Attestation1.Data); Note(ctx, "attester slashing: same data", resign); break;
            case 1 when idx.Count > 1: (idx[0], idx[1]) = (idx[1], idx[0]); Note(ctx, "attester slashing: unsorted indices", resign); break;
            case 2 when idx.Count > 0: idx.Add(idx[^1]); Note(ctx, "attester slashing: duplicate index", resign); break;
            case 3: idx.Clear(); Note(ctx, "attester slashing: no indices", resign); break;
            case 4: idx.Add((ulong)adv.State.Validators.Count + (ulong)_rng.Next(5)); Note(ctx, "attester slashing: unknown index", resign); break;
            case 5:
            {
                // disjoint sets: nobody is slashed
                s.Attestation2.AttestingIndices = [.. Enumerable.Range(0, adv.State.Validators.Count).Select(i => (ulong)i).Where(i => !s.Attestation1.AttestingIndices.Contains(i)).Take(3)];
                Note(ctx, "attester slashing: disjoint", resign);
                resign = true;
                a = s.Attestation2;
                break;
            }
            case 6: a.Signature = RandomSignature(); Note(ctx, "attester slashing signature", false); return;
            default: a.Data.Target.Epoch += 1; Note(ctx, "attester slashing: target epoch", resign); break;
        }
        if (resign)
        {
            s.Attestation1.Signature = _chain.SignAttestationData(adv, s.Attestation1.Data, s.Attestation1.AttestingIndices);
            s.Attestation2.Signature = _chain.SignAttestationData(adv, s.Attestation2.Data, s.Attestation2.AttestingIndices);
        }
    }

    private void MutateExit(Ctx ctx, bool resign)
    {
        var adv = ctx.Adv;
        var list = ctx.Block.Body.VoluntaryExits;
        if (list.Count == 0 || _rng.Next(3) == 0) { list.Add(NewExit(adv, RandomValidator(ctx), adv.CurrentEpoch)); Note(ctx, "exit added", true); return; }
        var e = Pick(list);
        switch (_rng.Next(5))
        {
            case 0: e.Message.Epoch = adv.CurrentEpoch + 1 + (ulong)_rng.Next(2); Note(ctx, "exit epoch in the future", resign); break;
            case 1: e.Message.Epoch = (ulong)_rng.Next((int)adv.CurrentEpoch + 1); Note(ctx, $"exit epoch {e.Message.Epoch}", resign); break;
            case 2: e.Message.ValidatorIndex = (ulong)adv.State.Validators.Count + (ulong)_rng.Next(3); Note(ctx, "exit unknown validator", resign); break;
            case 3: list.Add(Schema.Copy(e)); Note(ctx, "exit duplicated", false); return;
            default: e.Signature = RandomSignature(); Note(ctx, "exit signature", false); return;
        }
        if (resign) e.Signature = SignExit(adv, e.Message);
    }

    private void ResignAttestation(CachedBeaconState adv, Attestation a)
    {
        // sign with the committee the data names, when the state can tell it; else leave the old signature
        try
        {
            ulong epoch = a.Data.Target.Epoch;
            if (epoch != adv.CurrentEpoch && epoch != adv.PreviousEpoch) return;
            if (a.Data.Index >= BeaconStateAccessors.GetCommitteeCountPerSlot(adv, epoch)) return;
            if (a.Data.Slot / SlotsPerEpoch != epoch) return;
            var committee = BeaconStateAccessors.GetBeaconCommittee(adv, a.Data.Slot, a.Data.Index).ToArray();
            a.Signature = _chain.SignAttestation(adv, a.Data, committee, a.AggregationBits).Signature;
        }
        catch (StateTransitionException) { }
    }

    private byte[] RandomBytes(byte[] bytes, Ctx ctx)
    {
        var copy = (byte[])bytes.Clone();
        switch (_rng.Next(4))
        {
            case 0:
                int n = 1 + _rng.Next(4);
                for (int i = 0; i < n; i++) copy[_rng.Next(copy.Length)] ^= (byte)(1 << _rng.Next(8));
                ctx.Notes.Add($"{n} random bit flips");
                return copy;
            case 1:
                int at = _rng.Next(copy.Length);
                copy[at] = (byte)_rng.Next(256);
                ctx.Notes.Add($"random byte at {at}");
                return copy;
            case 2:
                int cut = _rng.Next(copy.Length);
                ctx.Notes.Add($"truncated to {cut}");
                return copy[..cut];
            default:
                var longer = new byte[copy.Length + 1 + _rng.Next(8)];
                copy.CopyTo(longer, 0);
                _rng.NextBytes(longer.AsSpan(copy.Length));
                ctx.Notes.Add($"extended by {longer.Length - copy.Length}");
                return longer;
        }
    }

    private static void Trim<T>(List<T> list, int max)
    {
        if (list.Count > max) list.RemoveRange(max, list.Count - max);
    }

    private bool FarFuture(byte[] bytes, ulong preSlot)
    {
        try { return Schema.Deserialize<SignedBeaconBlock>(bytes).Message.Slot > preSlot + 4 * SlotsPerEpoch; }
        catch (SszException) { return false; }
    }

    private static void Note(Ctx ctx, string what, bool resigned) => ctx.Notes.Add(resigned ? what + " (re-signed)" : what);

    private T Pick<T>(List<T> list) => list[_rng.Next(list.Count)];

    private Bytes32 RandomRoot()
    {
        Span<byte> b = stackalloc byte[32];
        _rng.NextBytes(b);
        return Bytes32.FromSpan(b);
    }

    private Bytes96 RandomSignature()
    {
        Span<byte> b = stackalloc byte[96];
        _rng.NextBytes(b);
        return Bytes96.FromSpan(b);
    }

    /// <summary>The compressed point at infinity (0xc0, then zeros).</summary>
    private static Bytes96 InfinitySignature()
    {
        Span<byte> b = stackalloc byte[96];
        b[0] = 0xc0;
        return Bytes96.FromSpan(b);
    }
}
