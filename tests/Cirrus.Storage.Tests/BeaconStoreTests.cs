using System.Buffers.Binary;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage.CrashWriter;

namespace Cirrus.Storage.Tests;

public sealed class BeaconStoreTests : IDisposable
{
    private readonly TempDir _dir = new();
    private static SszSchema Schema => TreeBuilder.Schema;

    public void Dispose() => _dir.Dispose();

    private BeaconStore OpenStore(string name = "db") => BeaconStore.Open(_dir.Sub(name), Schema);

    [Fact]
    public void FreshStoreIsEmptyAndRefusesImportsUntilInitialized()
    {
        using var store = OpenStore();
        Assert.False(store.IsInitialized);
        Assert.Null(store.Head);
        var chain = new SyntheticChain(Schema, 1);
        var (root, block) = chain.Main(1);
        var e = Assert.Throws<StoreException>(() => store.ImportBlock(new BlockImport(root, block)));
        Assert.Contains("not initialized", e.Message);
        Assert.Empty(store.CheckConsistency());
    }

    [Fact]
    public void InitializeRoundTripsGenesisAnchorAndMetadataAcrossReopen()
    {
        var chain = new SyntheticChain(Schema, 0);
        var (g, gb) = chain.Genesis;
        using (var store = OpenStore())
        {
            chain.InitializeIfNeeded(store);
        }
        using (var store = OpenStore())
        {
            Assert.True(store.IsInitialized);
            Assert.Equal(new GenesisInfo(1_600_000_000, SyntheticChain.Tag("gvr", 0)), store.Genesis);
            Assert.Equal(new ChainHead(g, 0), store.Head);
            Assert.Equal(TreeBuilder.Cp(0, g), store.Justified);
            Assert.Equal(TreeBuilder.Cp(0, g), store.Finalized);
            var anchor = store.Anchor!;
            Assert.Equal(g, anchor.BlockRoot);
            Assert.Equal(gb.Message.StateRoot, anchor.StateRoot);
            Assert.Equal(TreeBuilder.Cp(0, g), anchor.Checkpoint);
            Assert.Equal([(0UL, g)], store.GetCanonicalRange(0, 100).ToList());
            Assert.Equal(chain.State(0, g).Balances, store.GetStateSnapshot(anchor.StateRoot)!.Balances);
            Assert.Empty(store.CheckConsistency(decodeValues: true));
        }
    }

    [Fact]
    public void InitializeTwiceIsRefused()
    {
        using var store = OpenStore();
        var chain = new SyntheticChain(Schema, 0);
        chain.InitializeIfNeeded(store);
        var (g, gb) = chain.Genesis;
        var e = Assert.Throws<StoreException>(() => store.Initialize(new GenesisInfo(1, default),
            new ForkChoiceAnchor(g, gb.Message.StateRoot, 0, TreeBuilder.Cp(0, g)), gb, chain.State(0, g)));
        Assert.Contains("already initialized", e.Message);
    }

    [Fact]
    public void BlocksStatesAndSummariesRoundTrip()
    {
        using var store = OpenStore();
        var t = new TreeBuilder(store);
        var a1 = t.Add("A1", 1, "G", snapshot: true);
        var block = t.Blocks["A1"].Block;

        Assert.Equal(Schema.Serialize(block), Schema.Serialize(store.GetBlock(a1)!));
        Assert.Equal(Schema.Serialize(block), store.GetBlockSsz(a1));
        Assert.Equal(new BlockSummary(1, t.Root("G"), block.Message.StateRoot), store.GetBlockSummary(a1));
        Assert.True(store.HasBlock(a1));
        Assert.Null(store.GetBlock(SyntheticChain.Tag("nope", 1)));
        Assert.Null(store.GetBlockSummary(SyntheticChain.Tag("nope", 1)));

        Assert.Equal(new StateSummary(1, a1), store.GetStateSummary(block.Message.StateRoot));
        var expected = t.Chain.State(1, a1);
        Assert.Equal(Schema.HashTreeRoot(expected), Schema.HashTreeRoot(store.GetStateSnapshot(block.Message.StateRoot)!));
        Assert.Equal(new ChainHead(a1, 1), store.Head);
    }

    [Fact]
    public void CanonicalIndexFollowsHeadThroughReorgsAndSkippedSlots()
    {
        using var store = OpenStore();
        var t = new TreeBuilder(store);
        t.Add("A1", 1, "G");
        t.Add("A2", 2, "A1");
        t.Add("A4", 4, "A2"); // slot 3 empty
        Assert.Equal([(0UL, t.Root("G")), (1UL, t.Root("A1")), (2UL, t.Root("A2")), (4UL, t.Root("A4"))], t.Canonical());
        Assert.Null(store.GetCanonicalBlockRoot(3));
        Assert.Equal((2UL, t.Root("A2")), store.GetCanonicalBlockRootAtOrBefore(3));
        Assert.Equal((4UL, t.Root("A4")), store.GetCanonicalBlockRootAtOrBefore(1000));

        // A competing branch that does not become head leaves the index alone.
        t.Add("B3", 3, "A2", makeHead: false);
        t.Add("B4", 4, "B3", makeHead: false);
        t.Add("B5", 5, "B4", makeHead: false);
        Assert.Equal(new ChainHead(t.Root("A4"), 4), store.Head);
        Assert.Equal(4, t.Canonical().Count);

        // Fork choice switches to it: slots 3..5 rewritten.
        store.UpdateHead(new HeadUpdate(t.Root("B5"), TreeBuilder.Cp(0, t.Root("G")), TreeBuilder.Cp(0, t.Root("G"))));
        Assert.Equal([(0UL, t.Root("G")), (1UL, t.Root("A1")), (2UL, t.Root("A2")), (3UL, t.Root("B3")), (4UL, t.Root("B4")), (5UL, t.Root("B5"))], t.Canonical());
        Assert.Empty(store.CheckConsistency());

        // And back: the B entries above the ancestor disappear, including slot 5 above the new head.
        store.UpdateHead(new HeadUpdate(t.Root("A4"), TreeBuilder.Cp(0, t.Root("G")), TreeBuilder.Cp(0, t.Root("G"))));
        Assert.Equal([(0UL, t.Root("G")), (1UL, t.Root("A1")), (2UL, t.Root("A2")), (4UL, t.Root("A4"))], t.Canonical());
        Assert.Empty(store.CheckConsistency());

        // Head on an ancestor: everything above it leaves the index.
        store.UpdateHead(new HeadUpdate(t.Root("A1"), TreeBuilder.Cp(0, t.Root("G")), TreeBuilder.Cp(0, t.Root("G"))));
        Assert.Equal([(0UL, t.Root("G")), (1UL, t.Root("A1"))], t.Canonical());
        Assert.Empty(store.CheckConsistency());
    }

    [Fact]
    public void FailedImportWritesNothing()
    {
        using var store = OpenStore();
        var t = new TreeBuilder(store);
        t.Add("A1", 1, "G");
        var before = store.ContentDigest();

        var orphan = t.Chain.MakeBlock(5, SyntheticChain.Tag("unknown", 4), "X");
        var orphanRoot = Schema.HashTreeRoot(orphan.Message);
        var e = Assert.Throws<StoreException>(() => store.ImportBlock(new BlockImport(orphanRoot, orphan)));
        Assert.Contains("parent", e.Message);

        // A valid block with an invalid extra state: the whole import is refused.
        var b2 = t.Chain.MakeBlock(2, t.Root("A1"), "A2");
        var r2 = Schema.HashTreeRoot(b2.Message);
        Assert.Throws<StoreException>(() => store.ImportBlock(new BlockImport(r2, b2,
            Head: new HeadUpdate(r2, TreeBuilder.Cp(0, t.Root("G")), TreeBuilder.Cp(0, t.Root("G"))),
            ExtraStates: [new StateRecord(SyntheticChain.Tag("s", 9), 9, SyntheticChain.Tag("unknown", 9))])));
        Assert.False(store.HasBlock(r2));
        Assert.Equal(new ChainHead(t.Root("A1"), 1), store.Head);
        Assert.Equal(before, store.ContentDigest());

        // Head on an unknown block: refused, nothing written.
        Assert.Throws<StoreException>(() => store.UpdateHead(new HeadUpdate(r2, TreeBuilder.Cp(0, t.Root("G")), TreeBuilder.Cp(0, t.Root("G")))));
        Assert.Equal(before, store.ContentDigest());
    }

    [Fact]
    public void RestartResumesExactlyWhereItStopped()
    {
        var chain = new SyntheticChain(Schema, 60, snapshotEvery: 8);
        ChainHead head;
        Checkpoint fin, just;
        List<(ulong, Bytes32)> canonical;
        string digest;
        using (var store = OpenStore())
        {
            chain.Run(store);
            head = store.Head!.Value;
            fin = store.Finalized!;
            just = store.Justified!;
            canonical = store.GetCanonicalRange(0, ulong.MaxValue).ToList();
            digest = store.ContentDigest();
            Assert.Empty(store.CheckConsistency(decodeValues: true));
        }
        Assert.Equal(chain.Main(60).Root, head.Root);
        Assert.Equal(7UL - 2, fin.Epoch);
        using (var store = OpenStore())
        {
            Assert.Equal(head, store.Head);
            Assert.Equal(fin, store.Finalized);
            Assert.Equal(just, store.Justified);
            Assert.Equal(canonical, store.GetCanonicalRange(0, ulong.MaxValue).ToList());
            Assert.Equal(digest, store.ContentDigest());
            // Continuing is possible from there.
            new SyntheticChain(Schema, 70, snapshotEvery: 8).Run(store);
            Assert.Equal(new ChainHead(chain.Main(70).Root, 70), store.Head);
            Assert.Empty(store.CheckConsistency(decodeValues: true));
        }
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(2UL)]
    public void PruneRemovesExactlyTheNonCanonicalDataBelowFinality(ulong archiveInterval)
    {
        using var store = OpenStore();
        var t = new TreeBuilder(store);
        t.Add("A1", 1, "G");
        t.Add("A2", 2, "A1", snapshot: true);
        t.Add("A3", 3, "A2");
        t.Add("A4", 4, "A3", snapshot: true);
        t.Add("A5", 5, "A4");
        t.Add("A6", 6, "A5", snapshot: true);
        t.Add("B2", 2, "A1", makeHead: false, snapshot: true); // fork below finality
        t.Add("B3", 3, "B2", makeHead: false);
        t.Add("C5", 5, "A3", makeHead: false);                 // above finality, conflicts with it
        t.Add("D5", 5, "A4", makeHead: false);                 // above finality, descends from it
        // A state at slot 3 on A2 (slot 3 empty on that branch): not the canonical chain's state.
        var offState = SyntheticChain.Tag("off", 3);
        // A state at slot 5 on A4 (slot 5 empty): above finality, kept.
        var liveState = SyntheticChain.Tag("live", 5);
        store.PutStates([new StateRecord(offState, 3, t.Root("A2")), new StateRecord(liveState, 5, t.Root("A4"))]);
        store.UpdateHead(new HeadUpdate(t.Root("A6"), TreeBuilder.Cp(0, t.Root("A4")), TreeBuilder.Cp(0, t.Root("A4"))));
        var canonicalBefore = t.Canonical();

        var result = store.Prune(archiveInterval);

        Assert.Equal(new PruneResult(Blocks: 3, States: 4, Snapshots: archiveInterval == 0 ? 2 : 0, FinalizedSlot: 4), result);
        foreach (var n in new[] { "G", "A1", "A2", "A3", "A4", "A5", "A6", "D5" })
        {
            Assert.NotNull(store.GetBlock(t.Root(n)));
            Assert.NotNull(store.GetStateSummary(t.StateRoot(n)));
        }
        foreach (var n in new[] { "B2", "B3", "C5" })
        {
            Assert.Null(store.GetBlock(t.Root(n)));
            Assert.Null(store.GetBlockSummary(t.Root(n)));
            Assert.Null(store.GetStateSummary(t.StateRoot(n)));
            Assert.Null(store.GetStateSnapshot(t.StateRoot(n)));
        }
        Assert.Null(store.GetStateSummary(offState));
        Assert.NotNull(store.GetStateSummary(liveState));
        var snaps = store.GetSnapshots().Select(s => s.Slot).ToList();
        Assert.Equal(archiveInterval == 0 ? [4UL, 6UL] : [0UL, 2UL, 4UL, 6UL], snaps);
        Assert.Equal(canonicalBefore, t.Canonical());
        Assert.Empty(store.CheckConsistency(decodeValues: true));

        // Idempotent: nothing more to remove.
        Assert.Equal(new PruneResult(0, 0, 0, 4), store.Prune(archiveInterval));

        // Everything kept is still reachable: A5's post-state regenerates from the A4 snapshot.
        var replayed = new List<ulong>();
        var st = store.RegenerateState(t.StateRoot("A5"), (b, blocks, slot) => { replayed.Add(b.Slot); replayed.AddRange(blocks.Select(x => x.Message.Slot)); b.Slot = slot; return b; });
        Assert.Equal([4UL, 5UL], replayed);
        Assert.Equal(5UL, st!.Slot);
    }

    [Fact]
    public void PruneRefusesAFinalizedBlockOffTheCanonicalChain()
    {
        using var store = OpenStore();
        var t = new TreeBuilder(store);
        t.Add("A1", 1, "G");
        t.Add("B1", 1, "G", makeHead: false);
        store.UpdateHead(new HeadUpdate(t.Root("A1"), TreeBuilder.Cp(0, t.Root("B1")), TreeBuilder.Cp(0, t.Root("B1"))));
        var before = store.ContentDigest();
        var e = Assert.Throws<StoreException>(() => store.Prune());
        Assert.Contains("not on the canonical chain", e.Message);
        Assert.Equal(before, store.ContentDigest());
    }

    [Fact]
    public void RegenerateStateReplaysFromTheNearestSnapshotOnTheStatesOwnChain()
    {
        using var store = OpenStore();
        var t = new TreeBuilder(store); // snapshot of the genesis state at slot 0
        t.Add("A1", 1, "G");
        t.Add("A2", 2, "A1");
        t.Add("A4", 4, "A2"); // slot 3 empty
        t.Add("A5", 5, "A4");
        t.Add("B4", 4, "A2", makeHead: false);

        List<ulong> Replay(Bytes32 stateRoot, out ulong resultSlot)
        {
            var seen = new List<ulong>();
            var s = store.RegenerateState(stateRoot, (b, blocks, slot) =>
            {
                seen.Add(b.Slot);
                seen.AddRange(blocks.Select(x => x.Message.Slot));
                b.Slot = slot;
                return b;
            })!;
            resultSlot = s.Slot;
            return seen;
        }

        Assert.Equal([0UL, 1, 2, 4, 5], Replay(t.StateRoot("A5"), out var slot));
        Assert.Equal(5UL, slot);
        Assert.Equal([0UL, 1, 2, 4], Replay(t.StateRoot("B4"), out _));

        // A snapshot at slot 4 of the branch where slot 4 was empty (block A2) must not be used
        // for A5, whose chain has A4 at slot 4; one at slot 2 (A2's post-state) is.
        store.PutStates([
            new StateRecord(SyntheticChain.Tag("empty4", 4), 4, t.Root("A2"), t.Chain.State(4, t.Root("A2"))),
            new StateRecord(t.StateRoot("A2"), 2, t.Root("A2"), t.Chain.State(2, t.Root("A2"))),
            new StateRecord(SyntheticChain.Tag("empty3", 3), 3, t.Root("A2")),
        ]);
        Assert.Equal([2UL, 4, 5], Replay(t.StateRoot("A5"), out _));
        Assert.Equal([2UL], Replay(SyntheticChain.Tag("empty3", 3), out slot));
        Assert.Equal(3UL, slot);
        Assert.Empty(Replay(SyntheticChain.Tag("empty4", 4), out slot)); // a snapshot itself: no replay
        Assert.Equal(4UL, slot);
        Assert.Null(store.RegenerateState(SyntheticChain.Tag("never", 1), (b, _, _) => b));
    }

    [Fact]
    public void NewerSchemaVersionIsRefusedAndLeftUntouched()
    {
        var path = _dir.Sub("db");
        using (var store = OpenStore()) new TreeBuilder(store).Add("A1", 1, "G");
        using (var raw = RawDb.Open(path))
        {
            var v = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(v, 99);
            raw.Put("schema_version"u8.ToArray(), v, raw.GetColumnFamily("meta"));
        }
        var filesBefore = DataFiles(path);

        var e = Assert.Throws<StoreException>(() => OpenStore());
        Assert.Contains("schema version 99", e.Message);
        Assert.Contains("newer", e.Message);

        Assert.Equal(filesBefore, DataFiles(path));
        using (var raw = RawDb.Open(path))
            Assert.Equal(99u, BinaryPrimitives.ReadUInt32LittleEndian(raw.Get("schema_version"u8.ToArray(), raw.GetColumnFamily("meta"))));
    }

    [Fact]
    public void ForeignDatabaseIsRefused()
    {
        var path = _dir.Sub("db");
        using (var raw = RawDb.Open(path, []))
            raw.Put("hello"u8.ToArray(), "world"u8.ToArray());
        var e = Assert.Throws<StoreException>(() => OpenStore());
        Assert.Contains("not a Cirrus beacon store", e.Message);
    }

    [Fact]
    public void CorruptValuesGiveStoreExceptionsNamingTheKey()
    {
        var path = _dir.Sub("db");
        Bytes32 a1, a2;
        using (var store = OpenStore())
        {
            var t = new TreeBuilder(store);
            a1 = t.Add("A1", 1, "G");
            a2 = t.Add("A2", 2, "A1");
        }
        using (var raw = RawDb.Open(path))
        {
            raw.Put(a1.AsSpan().ToArray(), new byte[] { 1, 2, 3, 4, 5 }, raw.GetColumnFamily("blocks"));
            raw.Put(a2.AsSpan().ToArray(), new byte[] { 1, 2, 3 }, raw.GetColumnFamily("block_summaries"));
        }
        using (var store = OpenStore())
        {
            var e = Assert.Throws<StoreException>(() => store.GetBlock(a1));
            Assert.Contains("'blocks'", e.Message);
            Assert.Contains(Convert.ToHexStringLower(a1.AsSpan()), e.Message);
            Assert.IsType<SszException>(e.InnerException);

            e = Assert.Throws<StoreException>(() => store.GetBlockSummary(a2));
            Assert.Contains("'block_summaries'", e.Message);
            Assert.Contains(Convert.ToHexStringLower(a2.AsSpan()), e.Message);

            Assert.NotEmpty(store.CheckConsistency(decodeValues: true));
        }
    }

    [Fact]
    public void CorruptMetadataIsReportedAtOpen()
    {
        var path = _dir.Sub("db");
        using (var store = OpenStore()) new TreeBuilder(store);
        using (var raw = RawDb.Open(path))
            raw.Put("head"u8.ToArray(), new byte[] { 9, 9 }, raw.GetColumnFamily("meta"));
        var e = Assert.Throws<StoreException>(() => OpenStore());
        Assert.Contains("'head'", e.Message);
    }

    [Fact]
    public void SecondOpenOfTheSameDirectoryIsALockError()
    {
        using var store = OpenStore();
        var e = Assert.Throws<StoreException>(() => OpenStore());
        Assert.Contains("locked", e.Message);
        Assert.NotNull(e.InnerException); // the native error is kept as the cause
    }

    [Fact]
    public void UnusableDirectoryIsAStoreException()
    {
        var file = _dir.Sub("a-file");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<StoreException>(() => BeaconStore.Open(System.IO.Path.Combine(file, "db"), Schema));
        Assert.Contains("a-file", e.Message);
    }

    private static List<string> DataFiles(string path) =>
        Directory.GetFiles(path).Select(f => System.IO.Path.GetFileName(f))
            .Where(n => !n.StartsWith("LOG", StringComparison.Ordinal))
            .Select(n => n + ":" + new FileInfo(System.IO.Path.Combine(path, n)).Length)
            .Order().ToList();
}
