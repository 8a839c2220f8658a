using System.Buffers.Binary;
using System.Security.Cryptography;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Storage.CrashWriter;

/// <summary>
/// A deterministic chain of synthetic (not state-transition-valid) minimal-preset blocks, with
/// what makes a store work: empty slots (every slot ≡ 6 mod 7), a competing block that briefly
/// becomes head and is then reorged away (slots ≡ 3 mod 5), state snapshots every
/// <see cref="SnapshotEvery"/> slots, finality two epochs behind, and pruning every epoch.
/// <see cref="Run"/> is resumable: it skips what the store already has, so a run killed at any
/// point and restarted ends with exactly the data of an uninterrupted run.
/// </summary>
public sealed class SyntheticChain(SszSchema schema, ulong slots, ulong snapshotEvery = 16, int validators = 16)
{
    public const ulong SlotsPerEpoch = 8;
    public const ulong ArchiveSnapshotInterval = 64;

    public ulong Slots { get; } = slots;
    public ulong SnapshotEvery { get; } = snapshotEvery;

    private readonly Dictionary<ulong, (Bytes32 Root, SignedBeaconBlock Block)> _main = new();

    public static bool IsEmptySlot(ulong s) => s % 7 == 6;
    public static bool HasSideBlock(ulong s) => s % 5 == 3 && !IsEmptySlot(s);

    public static Bytes32 Tag(string kind, ulong s, ulong extra = 0)
    {
        Span<byte> buf = stackalloc byte[32];
        System.Text.Encoding.ASCII.GetBytes(kind.PadRight(16).AsSpan(0, 16), buf);
        BinaryPrimitives.WriteUInt64LittleEndian(buf[16..], s);
        BinaryPrimitives.WriteUInt64LittleEndian(buf[24..], extra);
        return Bytes32.FromSpan(SHA256.HashData(buf));
    }

    public BeaconState State(ulong slot, Bytes32 blockRoot)
    {
        var st = schema.Default<BeaconState>();
        st.Slot = slot;
        st.GenesisTime = 1_600_000_000;
        st.LatestBlockHeader.Slot = slot;
        st.BlockRoots[slot % 64] = blockRoot;
        for (int i = 0; i < validators; i++)
        {
            st.Validators.Add(new Validator { WithdrawalCredentials = Tag("cred", (ulong)i), EffectiveBalance = 32_000_000_000, ExitEpoch = ulong.MaxValue, WithdrawableEpoch = ulong.MaxValue });
            st.Balances.Add(32_000_000_000 + slot);
        }
        return st;
    }

    public SignedBeaconBlock MakeBlock(ulong slot, Bytes32 parent, string kind)
    {
        var b = new SignedBeaconBlock();
        b.Message.Slot = slot;
        b.Message.ProposerIndex = slot % (ulong)validators;
        b.Message.ParentRoot = parent;
        b.Message.StateRoot = Tag(kind + "-state", slot);
        b.Message.Body.Graffiti = Tag(kind, slot);
        b.Message.Body.Eth1Data.BlockHash = Tag("eth1", slot / 32);
        for (ulong a = 0; a < 2; a++)
        {
            var att = new Attestation { Data = new AttestationData { Slot = slot == 0 ? 0 : slot - 1, Index = a, BeaconBlockRoot = parent } };
            att.AggregationBits = new Bitlist(16);
            for (int i = 0; i < 16; i += (int)a + 1) att.AggregationBits[i] = true;
            b.Message.Body.Attestations.Add(att);
        }
        var sig = new byte[96];
        for (int i = 0; i < 3; i++) Tag("sig", slot, (kind == "main" ? 0UL : 1UL) + (ulong)i * 2).AsSpan().CopyTo(sig.AsSpan(i * 32));
        b.Signature = Bytes96.FromSpan(sig);
        return b;
    }

    public (Bytes32 Root, SignedBeaconBlock Block) Genesis => Main(0);

    /// <summary>The main-chain block at <paramref name="slot"/> (not for empty slots).</summary>
    public (Bytes32 Root, SignedBeaconBlock Block) Main(ulong slot)
    {
        if (_main.TryGetValue(slot, out var m)) return m;
        var parent = slot == 0 ? default : LastMainBefore(slot).Root;
        var b = MakeBlock(slot, parent, "main");
        m = (schema.HashTreeRoot(b.Message), b);
        _main[slot] = m;
        return m;
    }

    public (Bytes32 Root, SignedBeaconBlock Block) LastMainBefore(ulong slot)
    {
        ulong p = slot - 1;
        while (IsEmptySlot(p)) p--;
        return Main(p);
    }

    public (Bytes32 Root, SignedBeaconBlock Block) Side(ulong slot)
    {
        var b = MakeBlock(slot, LastMainBefore(slot).Root, "side");
        return (schema.HashTreeRoot(b.Message), b);
    }

    /// <summary>Head update when the main block at <paramref name="slot"/> (or a block built on the main chain at it) is head.</summary>
    public HeadUpdate HeadAt(ulong slot, Bytes32 headRoot)
    {
        ulong epoch = slot / SlotsPerEpoch;
        return new HeadUpdate(headRoot, CheckpointAt(epoch == 0 ? 0 : epoch - 1), CheckpointAt(epoch < 2 ? 0 : epoch - 2));
    }

    public Checkpoint CheckpointAt(ulong epoch)
    {
        ulong s = epoch * SlotsPerEpoch;
        while (s > 0 && IsEmptySlot(s)) s--;
        return new Checkpoint { Epoch = epoch, Root = Main(s).Root };
    }

    public void InitializeIfNeeded(BeaconStore store)
    {
        if (store.IsInitialized) return;
        var (root, block) = Genesis;
        var cp = new Checkpoint { Epoch = 0, Root = root };
        store.Initialize(new GenesisInfo(1_600_000_000, Tag("gvr", 0)),
            new ForkChoiceAnchor(root, block.Message.StateRoot, 0, cp), block, State(0, root));
    }

    /// <summary>
    /// Imports slots 1..Slots, skipping what is stored; calls <paramref name="onImported"/> after each
    /// main block. Runs of main blocks go in batches of up to four (one atomic write, as a sync
    /// segment), the head on the last; a slot with a side block and each epoch's end close a batch.
    /// </summary>
    public void Run(BeaconStore store, Action<ulong>? onImported = null)
    {
        InitializeIfNeeded(store);
        var batch = new List<(ulong Slot, BlockImport Import)>();
        void Flush()
        {
            if (batch.Count == 0) return;
            var (lastSlot, last) = batch[^1];
            var imports = batch.Select(b => b.Import).ToList();
            imports[^1] = last with { Head = HeadAt(lastSlot, last.BlockRoot) };
            store.ImportBlocks(imports);
            foreach (var (slot, _) in batch) onImported?.Invoke(slot);
            batch.Clear();
        }
        for (ulong s = 1; s <= Slots; s++)
        {
            if (IsEmptySlot(s)) continue;
            var main = Main(s);
            if (store.HasBlock(main.Root)) continue;
            if (HasSideBlock(s))
            {
                Flush();
                var side = Side(s);
                store.ImportBlock(new BlockImport(side.Root, side.Block, Head: HeadAt(s, side.Root)));
            }
            var extra = new List<StateRecord>();
            if (IsEmptySlot(s - 1))
            {
                var prev = LastMainBefore(s);
                extra.Add(new StateRecord(Tag("empty-state", s - 1), s - 1, prev.Root));
            }
            var snapshot = s % SnapshotEvery == 0 ? State(s, main.Root) : null;
            batch.Add((s, new BlockImport(main.Root, main.Block, snapshot, ExtraStates: extra)));
            if (batch.Count == 4 || s % SlotsPerEpoch == 0) Flush();
            if (s % SlotsPerEpoch == 0) store.Prune(ArchiveSnapshotInterval);
        }
        Flush();
        store.Prune(ArchiveSnapshotInterval);
    }
}
