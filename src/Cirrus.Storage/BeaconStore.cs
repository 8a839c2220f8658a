using System.Text;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using RocksDbSharp;
using Checkpoint = Cirrus.Consensus.Types.Checkpoint;

namespace Cirrus.Storage;

/// <summary>
/// The beacon node's database on RocksDB: blocks, a canonical slot index, block and state
/// summaries, state snapshots, fork-choice anchor and head/finality metadata.
/// <para>
/// Every mutating call is one <see cref="WriteBatch"/>, so a crash (even SIGKILL mid-write)
/// leaves either all of it or none of it; with <see cref="StoreOptions.SyncWrites"/> the WAL is
/// fsynced before the call returns. Reads are thread-safe; writes are serialized by a lock.
/// </para>
/// </summary>
/// <remarks>
/// Column families (all keys fixed-size; slots big-endian so iteration is in slot order):
/// <list type="table">
/// <item><c>meta</c>: ASCII name → value (schema version, genesis, anchor, head, justified, finalized, prune cursor)</item>
/// <item><c>blocks</c>: block root → SSZ SignedBeaconBlock</item>
/// <item><c>block_summaries</c>: block root → slot ‖ parent root ‖ post-state root</item>
/// <item><c>block_slots</c>: slot ‖ block root → (empty); every stored block by slot, for pruning</item>
/// <item><c>canonical</c>: slot → block root, for the slots of the head's chain that have a block</item>
/// <item><c>state_summaries</c>: state root → slot ‖ latest block root</item>
/// <item><c>state_slots</c>: slot ‖ state root → latest block root; every recorded state by slot</item>
/// <item><c>snapshots</c>: slot ‖ state root → latest block root; the states stored in full</item>
/// <item><c>states</c>: state root → SSZ BeaconState (snapshots only)</item>
/// </list>
/// </remarks>
public sealed class BeaconStore : IDisposable
{
    /// <summary>The layout this code reads and writes. Bump on any incompatible change.</summary>
    public const uint SchemaVersion = 1;

    private const string CfMeta = "meta", CfBlocks = "blocks", CfBlockSummaries = "block_summaries",
        CfBlockSlots = "block_slots", CfCanonical = "canonical", CfStateSummaries = "state_summaries",
        CfStateSlots = "state_slots", CfSnapshots = "snapshots", CfStates = "states", CfEth1 = "eth1";

    private static readonly string[] AllColumns =
        [CfMeta, CfBlocks, CfBlockSummaries, CfBlockSlots, CfCanonical, CfStateSummaries, CfStateSlots, CfSnapshots, CfStates, CfEth1];

    private static readonly byte[] KeySchema = Encoding.ASCII.GetBytes("schema_version"),
        KeyGenesis = Encoding.ASCII.GetBytes("genesis"), KeyAnchor = Encoding.ASCII.GetBytes("anchor"),
        KeyHead = Encoding.ASCII.GetBytes("head"), KeyJustified = Encoding.ASCII.GetBytes("justified"),
        KeyFinalized = Encoding.ASCII.GetBytes("finalized"), KeyPruneCursor = Encoding.ASCII.GetBytes("prune_cursor");

    private static readonly byte[] Empty = [];

    private readonly SszSchema _schema;
    private readonly RocksDb _db;
    private readonly Cache _cache; // kept alive as long as the database
    private readonly WriteOptions _writeOptions;
    private readonly Dictionary<string, ColumnFamilyHandle> _cf = new();
    private readonly Lock _writeLock = new();
    private readonly string _path;
    private bool _disposed;

    // Metadata, cached after every successful write.
    private GenesisInfo? _genesis;
    private ForkChoiceAnchor? _anchor;
    private ChainHead? _head;
    private Checkpoint? _justified, _finalized;

    private BeaconStore(string path, SszSchema schema, RocksDb db, Cache cache, WriteOptions wo)
    {
        _path = path;
        _schema = schema;
        _db = db;
        _cache = cache;
        _writeOptions = wo;
        foreach (var c in AllColumns) _cf[c] = db.GetColumnFamily(c);
    }

    /// <summary>The directory the database lives in.</summary>
    public string Path => _path;

    /// <summary>Genesis time and validators root, or null before <see cref="Initialize"/>.</summary>
    public GenesisInfo? Genesis => _genesis;
    /// <summary>The block/state fork choice starts from, or null before <see cref="Initialize"/>.</summary>
    public ForkChoiceAnchor? Anchor => _anchor;
    /// <summary>The head block, or null before <see cref="Initialize"/>.</summary>
    public ChainHead? Head => _head;
    /// <summary>The justified checkpoint last written (a copy).</summary>
    public Checkpoint? Justified => _justified?.Copy();
    /// <summary>The finalized checkpoint last written (a copy).</summary>
    public Checkpoint? Finalized => _finalized?.Copy();
    /// <summary>True once an anchor (genesis or checkpoint state) has been written.</summary>
    public bool IsInitialized => _anchor is not null;

    // ------------------------------------------------------------------ opening

    /// <summary>
    /// Opens the store in <paramref name="directory"/>, creating it if it does not exist.
    /// Throws <see cref="StoreException"/> if the directory cannot be created or read, if another
    /// process (or another store in this one) holds it open, or if it holds another schema version
    /// or something that is not a Cirrus store; in those cases nothing is written to it.
    /// </summary>
    public static BeaconStore Open(string directory, SszSchema schema, StoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        options ??= new StoreOptions();
        var path = System.IO.Path.GetFullPath(directory);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new StoreException($"cannot create or access database directory '{path}': {e.Message}", e);
        }

        try
        {
            return OpenRecovering(path, schema, options, compression: options.Compression);
        }
        catch (StoreException e) when (options.Compression && IsCompressionUnsupported(e))
        {
            // The native build lacks a codec: run uncompressed rather than not at all.
            return OpenRecovering(path, schema, options, compression: false);
        }
    }

    /// <summary>
    /// Opens with the WAL replayed in full (absolute consistency). A damaged or torn WAL is then not
    /// skipped silently: the store reopens at the last intact write (point in time) and logs what it
    /// recovered, since anything written after the damage is lost (the node syncs it again).
    /// </summary>
    private static BeaconStore OpenRecovering(string path, SszSchema schema, StoreOptions options, bool compression)
    {
        try
        {
            return OpenCore(path, schema, options, compression, Recovery.AbsoluteConsistency);
        }
        catch (StoreException e) when (e.Message.Contains("Corruption", StringComparison.Ordinal))
        {
            options.Log?.Invoke($"database '{path}': the write-ahead log is damaged or incomplete ({e.InnerException?.Message ?? e.Message}): " +
                                "recovering to the last intact write; later writes are lost");
            var store = OpenCore(path, schema, options, compression, Recovery.PointInTime);
            options.Log?.Invoke($"database '{path}' recovered: " + (store.Head is { } h
                ? $"head slot {h.Slot}, finalized epoch {store.Finalized?.Epoch}"
                : "no chain (not initialized)") + "; blocks after that point are fetched again from peers");
            return store;
        }
    }

    private static bool IsCompressionUnsupported(StoreException e) =>
        e.Message.Contains("ompression", StringComparison.Ordinal) &&
        (e.Message.Contains("not linked", StringComparison.Ordinal) || e.Message.Contains("not supported", StringComparison.Ordinal));

    private static BeaconStore OpenCore(string path, SszSchema schema, StoreOptions options, bool compression, Recovery recovery)
    {
        Cache cache;
        DbOptions dbOptions;
        ColumnFamilies families;
        try
        {
            cache = Cache.CreateLru(options.BlockCacheBytes);
            (dbOptions, families) = BuildOptions(options, cache, compression, recovery);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new StoreException($"the RocksDB native library could not be loaded: {e.Message}", e);
        }

        bool exists = File.Exists(System.IO.Path.Combine(path, "CURRENT"));
        if (exists) CheckExistingSchema(path, dbOptions, families);

        RocksDb db;
        try
        {
            db = RocksDb.Open(dbOptions, path, families);
        }
        catch (RocksDbException e)
        {
            throw TranslateOpenError(path, e);
        }

        var wo = new WriteOptions().SetSync(options.SyncWrites);
        var store = new BeaconStore(path, schema, db, cache, wo);
        try
        {
            store.LoadOrCreateMeta();
            return store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// For an existing database: look at its column families and schema version through a
    /// read-only handle, so a newer or foreign database is refused without being touched.
    /// </summary>
    private static void CheckExistingSchema(string path, DbOptions dbOptions, ColumnFamilies families)
    {
        string[] existing;
        try
        {
            existing = RocksDb.ListColumnFamilies(dbOptions, path).ToArray();
        }
        catch (RocksDbException e)
        {
            throw TranslateOpenError(path, e);
        }
        if (!existing.Contains(CfMeta))
            throw new StoreException($"'{path}' holds a RocksDB database that is not a Cirrus beacon store (no '{CfMeta}' column family); refusing to open it");

        var unknown = existing.Where(c => c != "default" && !AllColumns.Contains(c)).ToArray();
        byte[]? version;
        try
        {
            // Open exactly the column families it has (RocksDB requires all of them).
            var ro = new ColumnFamilies();
            foreach (var c in existing)
                if (c != "default") ro.Add(c, new ColumnFamilyOptions());
            using var rodb = RocksDb.OpenReadOnly(dbOptions, path, ro, false);
            version = rodb.Get(KeySchema, rodb.GetColumnFamily(CfMeta));
        }
        catch (RocksDbException e)
        {
            throw TranslateOpenError(path, e);
        }

        if (version is null)
        {
            // Created but crashed before the version landed: only acceptable if it is empty.
            if (unknown.Length > 0)
                throw new StoreException($"'{path}' has no schema version and unknown column families ({string.Join(", ", unknown)}); refusing to open it");
            return;
        }
        if (version.Length != 4)
            throw Codec.Corrupt(CfMeta, KeySchema, $"schema version of {version.Length} bytes, expected 4");
        uint v = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(version);
        if (v != SchemaVersion)
            throw new StoreException(v > SchemaVersion
                ? $"database '{path}' has schema version {v}, newer than this build supports ({SchemaVersion}); upgrade Cirrus or use another --data-dir. The database was not modified."
                : $"database '{path}' has schema version {v}, which this build (schema {SchemaVersion}) cannot read; the database was not modified.");
        if (unknown.Length > 0)
            throw new StoreException($"database '{path}' (schema {v}) has unknown column families ({string.Join(", ", unknown)}); refusing to open it");
    }

    private static StoreException TranslateOpenError(string path, RocksDbException e)
    {
        var m = e.Message;
        if (m.Contains("LOCK", StringComparison.Ordinal) || m.Contains("lock", StringComparison.OrdinalIgnoreCase))
            return new StoreException($"database '{path}' is locked: another process (or another store in this process) has it open ({m})", e);
        if (m.Contains("Permission denied", StringComparison.OrdinalIgnoreCase))
            return new StoreException($"no permission to open database '{path}': {m}", e);
        if (m.Contains("Corruption", StringComparison.Ordinal))
            return new StoreException($"database '{path}' is corrupt: {m}", e);
        return new StoreException($"cannot open database '{path}': {m}", e);
    }

    /// <summary>
    /// Options for a frugal client:
    /// <list type="bullet">
    /// <item>One shared LRU block cache (default 32 MiB) with index and filter blocks charged to
    /// it, so the memory bound is real; L0 index/filter blocks pinned so point reads of fresh
    /// data stay one I/O.</item>
    /// <item>Bloom filters (10 bits/key, ~1% false positives) on the root-keyed families: block
    /// and state lookups by root are point reads of random keys.</item>
    /// <item>LZ4 on the small families and blocks, Zstd on state snapshots (see
    /// <see cref="StoreOptions.Compression"/>).</item>
    /// <item>max_open_files bounded (default 256); info log kept small (3 files × 1 MiB).</item>
    /// <item>Small memtables on the index families (1 MiB) and 8 MiB on blocks/states, the total
    /// capped at 48 MiB; WAL capped at 64 MiB so rarely written families get flushed.</item>
    /// <item>Two background threads (flush + compaction), dynamic level sizing to keep space
    /// amplification low.</item>
    /// <item>WAL recovery: <paramref name="recovery"/> (see <see cref="OpenRecovering"/>: absolute
    /// consistency first, point in time with a log line when the WAL is damaged).</item>
    /// </list>
    /// </summary>
    private static (DbOptions, ColumnFamilies) BuildOptions(StoreOptions o, Cache cache, bool compression, Recovery recovery)
    {
        var db = new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetMaxOpenFiles(o.MaxOpenFiles)
            .SetKeepLogFileNum(3)
            .SetMaxLogFileSize(1UL << 20)
            .SetMaxTotalWalSize(64UL << 20)
            .SetDbWriteBufferSize(48UL << 20)
            .SetWalRecoveryMode(recovery)
            .IncreaseParallelism(2);

        ColumnFamilyOptions Cf(ulong writeBuffer, bool bloom, Compression codec)
        {
            var table = new BlockBasedTableOptions()
                .SetBlockCache(cache.Handle)
                .SetCacheIndexAndFilterBlocks(true)
                .SetPinL0FilterAndIndexBlocksInCache(true)
                .SetFormatVersion(5);
            if (bloom) table.SetFilterPolicy(BloomFilterPolicy.Create(10, false));
            return new ColumnFamilyOptions()
                .SetBlockBasedTableFactory(table)
                .SetWriteBufferSize(writeBuffer)
                .SetMaxWriteBufferNumber(2)
                .SetLevelCompactionDynamicLevelBytes(true)
                .SetCompression(compression ? codec : Compression.No);
        }

        const ulong small = 1UL << 20;
        var families = new ColumnFamilies(Cf(small, false, Compression.Lz4))
        {
            { CfMeta, Cf(small, false, Compression.Lz4) },
            { CfBlocks, Cf(o.WriteBufferBytes, true, Compression.Lz4) },
            { CfBlockSummaries, Cf(small, true, Compression.Lz4) },
            { CfBlockSlots, Cf(small, false, Compression.Lz4) },
            { CfCanonical, Cf(small, false, Compression.Lz4) },
            { CfStateSummaries, Cf(small, true, Compression.Lz4) },
            { CfStateSlots, Cf(small, false, Compression.Lz4) },
            { CfSnapshots, Cf(small, false, Compression.Lz4) },
            { CfStates, Cf(o.WriteBufferBytes, true, Compression.Zstd) },
            { CfEth1, Cf(small, false, Compression.Lz4) },
        };
        return (db, families);
    }

    private void LoadOrCreateMeta()
    {
        var v = Get(CfMeta, KeySchema);
        if (v is null)
        {
            using var b = new WriteBatch();
            var ver = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(ver, SchemaVersion);
            b.Put(KeySchema, ver, _cf[CfMeta]);
            Commit(b);
        }
        if (Get(CfMeta, KeyGenesis) is { } g) _genesis = Codec.DecodeGenesis(g, CfMeta, KeyGenesis);
        if (Get(CfMeta, KeyAnchor) is { } a) _anchor = Codec.DecodeAnchor(a, CfMeta, KeyAnchor);
        if (Get(CfMeta, KeyHead) is { } h) _head = Codec.DecodeHead(h, CfMeta, KeyHead);
        if (Get(CfMeta, KeyJustified) is { } j) _justified = Codec.DecodeCheckpoint(j, CfMeta, KeyJustified);
        if (Get(CfMeta, KeyFinalized) is { } f) _finalized = Codec.DecodeCheckpoint(f, CfMeta, KeyFinalized);
        if (_anchor is not null && (_genesis is null || _head is null || _justified is null || _finalized is null))
            throw new StoreException($"database '{_path}' is inconsistent: anchor present but genesis/head/finality metadata missing");
    }

    // ------------------------------------------------------------------ writing

    /// <summary>
    /// Writes the starting point of the chain in one batch: genesis info, the anchor block (its
    /// summary and canonical entry), the anchor state as a snapshot, the anchor as head, and its
    /// checkpoint as both justified and finalized. Refused if the store is already initialized.
    /// </summary>
    public void Initialize(GenesisInfo genesis, ForkChoiceAnchor anchor, SignedBeaconBlock anchorBlock, BeaconState anchorState)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        ArgumentNullException.ThrowIfNull(anchorBlock);
        ArgumentNullException.ThrowIfNull(anchorState);
        if (anchorState.Slot != anchor.Slot)
            throw new ArgumentException($"anchor state is at slot {anchorState.Slot}, anchor says {anchor.Slot}");
        if (anchorBlock.Message.Slot > anchor.Slot)
            throw new ArgumentException($"anchor block slot {anchorBlock.Message.Slot} is after the anchor state slot {anchor.Slot}");
        lock (_writeLock)
        {
            ThrowIfDisposed();
            if (_anchor is not null) throw new StoreException($"database '{_path}' is already initialized");
            using var b = new WriteBatch();
            var summary = new BlockSummary(anchorBlock.Message.Slot, anchorBlock.Message.ParentRoot, anchorBlock.Message.StateRoot);
            var pending = new Dictionary<Bytes32, BlockSummary>();
            PutBlock(b, anchor.BlockRoot, anchorBlock, summary, pending);
            PutState(b, new StateRecord(anchor.StateRoot, anchor.Slot, anchor.BlockRoot, anchorState), pending);
            b.Put(KeyGenesis, Codec.Encode(genesis), _cf[CfMeta]);
            b.Put(KeyAnchor, Codec.Encode(anchor), _cf[CfMeta]);
            var head = WriteHead(b, new HeadUpdate(anchor.BlockRoot, anchor.Checkpoint, anchor.Checkpoint), pending);
            Commit(b);
            _genesis = genesis;
            _anchor = anchor with { Checkpoint = anchor.Checkpoint.Copy() };
            SetCachedHead(head, anchor.Checkpoint, anchor.Checkpoint);
        }
    }

    /// <summary>Imports one block with everything that goes with it, in one atomic write (see <see cref="BlockImport"/>).</summary>
    public void ImportBlock(BlockImport import)
    {
        ArgumentNullException.ThrowIfNull(import);
        ImportBlocks([import]);
    }

    /// <summary>
    /// Imports blocks in order (each one's parent is in the store or earlier in the list) with
    /// everything that goes with them, in one atomic write: a sync segment costs one commit, and a
    /// crash keeps all of it or none.
    /// </summary>
    public void ImportBlocks(IReadOnlyList<BlockImport> imports)
    {
        ArgumentNullException.ThrowIfNull(imports);
        if (imports.Count == 0) return;
        for (int i = 0; i < imports.Count; i++)
        {
            var import = imports[i];
            ArgumentNullException.ThrowIfNull(import);
            if (import.Head is not null && i != imports.Count - 1)
                throw new ArgumentException("only the last block of a batch can carry a head update");
            if (import.PostStateSnapshot is { } snap && snap.Slot != import.Block.Message.Slot)
                throw new ArgumentException($"post-state snapshot is at slot {snap.Slot}, block at {import.Block.Message.Slot}");
        }
        lock (_writeLock)
        {
            ThrowIfDisposed();
            RequireInitialized();
            var pending = new Dictionary<Bytes32, BlockSummary>();
            using var b = new WriteBatch();
            ChainHead? head = null;
            HeadUpdate? headUpdate = null;
            foreach (var import in imports)
            {
                var msg = import.Block.Message;
                if ((pending.TryGetValue(msg.ParentRoot, out var p) ? p : GetBlockSummary(msg.ParentRoot)) is not { } parent)
                    throw new StoreException($"cannot import block {import.BlockRoot} at slot {msg.Slot}: parent {msg.ParentRoot} is not in the store");
                if (parent.Slot >= msg.Slot)
                    throw new StoreException($"block {import.BlockRoot} at slot {msg.Slot} is not after its parent {msg.ParentRoot} (slot {parent.Slot})");
                PutBlock(b, import.BlockRoot, import.Block, new BlockSummary(msg.Slot, msg.ParentRoot, msg.StateRoot), pending);
                PutState(b, new StateRecord(msg.StateRoot, msg.Slot, import.BlockRoot, import.PostStateSnapshot), pending);
                if (import.ExtraStates is { } extra)
                    foreach (var s in extra) PutState(b, s, pending);
                if (import.Head is { } h)
                {
                    head = WriteHead(b, h, pending);
                    headUpdate = h;
                }
            }
            Commit(b);
            if (head is { } nh) SetCachedHead(nh, headUpdate!.Justified, headUpdate.Finalized);
        }
    }

    /// <summary>Records states (summaries, and snapshots where given) in one atomic write.</summary>
    public void PutStates(IReadOnlyList<StateRecord> states)
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            RequireInitialized();
            using var b = new WriteBatch();
            var pending = new Dictionary<Bytes32, BlockSummary>();
            foreach (var s in states) PutState(b, s, pending);
            Commit(b);
        }
    }

    /// <summary>
    /// Sets head, justified and finalized (e.g. after fork choice moved without a new block) and
    /// rewrites the canonical index to the new head's chain, in one atomic write.
    /// </summary>
    public void UpdateHead(HeadUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_writeLock)
        {
            ThrowIfDisposed();
            RequireInitialized();
            using var b = new WriteBatch();
            var head = WriteHead(b, update, new Dictionary<Bytes32, BlockSummary>());
            Commit(b);
            SetCachedHead(head, update.Justified, update.Finalized);
        }
    }

    private void PutBlock(WriteBatch b, Bytes32 root, SignedBeaconBlock block, BlockSummary summary, Dictionary<Bytes32, BlockSummary> pending)
    {
        var key = Codec.Root(root);
        b.Put(key, _schema.Serialize(block), _cf[CfBlocks]);
        b.Put(key, Codec.Encode(summary), _cf[CfBlockSummaries]);
        b.Put(Codec.SlotRootKey(summary.Slot, root), Empty, _cf[CfBlockSlots]);
        pending[root] = summary;
    }

    private void PutState(WriteBatch b, StateRecord s, Dictionary<Bytes32, BlockSummary> pending)
    {
        if (!pending.ContainsKey(s.BlockRoot) && GetBlockSummary(s.BlockRoot) is null)
            throw new StoreException($"cannot record state {s.StateRoot}: its block {s.BlockRoot} is not in the store");
        if (s.Snapshot is { } st && st.Slot != s.Slot)
            throw new ArgumentException($"snapshot of state {s.StateRoot} is at slot {st.Slot}, record says {s.Slot}");
        var key = Codec.Root(s.StateRoot);
        b.Put(key, Codec.Encode(new StateSummary(s.Slot, s.BlockRoot)), _cf[CfStateSummaries]);
        b.Put(Codec.SlotRootKey(s.Slot, s.StateRoot), Codec.Root(s.BlockRoot), _cf[CfStateSlots]);
        if (s.Snapshot is { } snapshot)
        {
            b.Put(key, _schema.Serialize(snapshot), _cf[CfStates]);
            b.Put(Codec.SlotRootKey(s.Slot, s.StateRoot), Codec.Root(s.BlockRoot), _cf[CfSnapshots]);
        }
    }

    /// <summary>
    /// Adds head/justified/finalized to the batch and brings the canonical index to the new
    /// head's chain: walk back from the head until a block already canonical at its slot (the
    /// common ancestor), drop every canonical entry above it, and add the walked blocks.
    /// </summary>
    private ChainHead WriteHead(WriteBatch b, HeadUpdate u, Dictionary<Bytes32, BlockSummary> pending)
    {
        BlockSummary headSummary = Summary(u.HeadRoot, pending)
            ?? throw new StoreException($"cannot set head to {u.HeadRoot}: the block is not in the store");

        var chain = new List<(ulong Slot, Bytes32 Root)>();
        var root = u.HeadRoot;
        ulong? ancestorSlot = null;
        var s = headSummary;
        while (true)
        {
            var canon = GetCanonicalBlockRoot(s.Slot);
            if (canon == root) { ancestorSlot = s.Slot; break; }
            chain.Add((s.Slot, root));
            if (Summary(s.ParentRoot, pending) is not { } ps) break; // walked past the anchor
            root = s.ParentRoot;
            s = ps;
        }

        // Everything canonical above the common ancestor (or from the lowest new slot, when
        // there is none) belongs to the old chain.
        ulong from = ancestorSlot is { } a ? a + 1 : chain[^1].Slot;
        using (var it = _db.NewIterator(_cf[CfCanonical]))
        {
            for (it.Seek(Codec.SlotKey(from)); it.Valid(); it.Next())
                b.Delete(it.Key(), _cf[CfCanonical]);
        }
        foreach (var (slot, r) in chain)
            b.Put(Codec.SlotKey(slot), Codec.Root(r), _cf[CfCanonical]);

        var head = new ChainHead(u.HeadRoot, headSummary.Slot);
        b.Put(KeyHead, Codec.Encode(head), _cf[CfMeta]);
        b.Put(KeyJustified, Codec.Encode(u.Justified), _cf[CfMeta]);
        b.Put(KeyFinalized, Codec.Encode(u.Finalized), _cf[CfMeta]);
        return head;
    }

    private void SetCachedHead(ChainHead head, Checkpoint justified, Checkpoint finalized)
    {
        _head = head;
        _justified = justified.Copy();
        _finalized = finalized.Copy();
    }

    private BlockSummary? Summary(Bytes32 root, Dictionary<Bytes32, BlockSummary> pending) =>
        pending.TryGetValue(root, out var s) ? s : GetBlockSummary(root);

    // ------------------------------------------------------------------ pruning

    /// <summary>
    /// Deletes, in one atomic write, everything finality has made unreachable, using the stored
    /// finalized checkpoint (its block must be canonical):
    /// <list type="bullet">
    /// <item>blocks at or below the finalized slot that are not canonical, and blocks above it
    /// that do not descend from the finalized block — with their summaries and states;</item>
    /// <item>states at or below the finalized slot not on the canonical chain;</item>
    /// <item>canonical snapshots older than the newest one at or below the finalized slot,
    /// except the first in each window of <paramref name="archiveSnapshotInterval"/> slots
    /// (0 = keep none), so history stays regenerable with bounded replay. Their state summaries stay.</item>
    /// </list>
    /// Incremental: it resumes scanning at the finalized slot of the previous prune.
    /// </summary>
    public PruneResult Prune(ulong archiveSnapshotInterval = 0)
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            RequireInitialized();
            var fin = _finalized!;
            Bytes32 finRoot = fin.Root;
            if (finRoot.IsZero) finRoot = _anchor!.BlockRoot; // genesis checkpoint: root 0 means the anchor
            var finSummary = GetBlockSummary(finRoot)
                ?? throw new StoreException($"cannot prune: finalized block {finRoot} is not in the store");
            ulong fs = finSummary.Slot;
            if (GetCanonicalBlockRoot(fs) != finRoot)
                throw new StoreException($"cannot prune: finalized block {finRoot} (slot {fs}) is not on the canonical chain");
            ulong cursor = Get(CfMeta, KeyPruneCursor) is { } c ? Codec.ReadU64(c, CfMeta, KeyPruneCursor) : 0;

            using var b = new WriteBatch();
            var deadBlocks = new HashSet<Bytes32>();
            var viable = new HashSet<Bytes32> { finRoot };
            using (var it = _db.NewIterator(_cf[CfBlockSlots]))
            {
                for (it.Seek(Codec.SlotKey(cursor)); it.Valid(); it.Next())
                {
                    var (slot, root) = Codec.ReadSlotRootKey(it.Key(), CfBlockSlots);
                    bool dead;
                    if (slot <= fs)
                        dead = GetCanonicalBlockRoot(slot) != root;
                    else
                    {
                        var parent = (GetBlockSummary(root) ?? throw Codec.Corrupt(CfBlockSlots, it.Key(), "no summary for indexed block")).ParentRoot;
                        dead = !viable.Contains(parent);
                        if (!dead) viable.Add(root);
                    }
                    if (!dead) continue;
                    deadBlocks.Add(root);
                    var rk = Codec.Root(root);
                    b.Delete(rk, _cf[CfBlocks]);
                    b.Delete(rk, _cf[CfBlockSummaries]);
                    b.Delete(it.Key(), _cf[CfBlockSlots]);
                }
            }

            int states = 0;
            var liveSnapshotsAtOrBelowFin = new List<(ulong Slot, Bytes32 Root, byte[] Key)>();
            using (var it = _db.NewIterator(_cf[CfStateSlots]))
            {
                for (it.Seek(Codec.SlotKey(cursor)); it.Valid(); it.Next())
                {
                    var key = it.Key();
                    var (slot, stateRoot) = Codec.ReadSlotRootKey(key, CfStateSlots);
                    var blockRoot = Codec.ReadRoot(it.Value(), CfStateSlots, key);
                    bool dead = deadBlocks.Contains(blockRoot) ||
                                (slot <= fs && GetCanonicalBlockRootAtOrBefore(slot)?.Root != blockRoot);
                    if (!dead) continue;
                    states++;
                    var rk = Codec.Root(stateRoot);
                    b.Delete(rk, _cf[CfStateSummaries]);
                    b.Delete(rk, _cf[CfStates]);
                    b.Delete(key, _cf[CfStateSlots]);
                    b.Delete(key, _cf[CfSnapshots]); // no-op unless it was a snapshot
                }
            }

            // Snapshots: those of dead states went above; now thin the canonical ones.
            int snapshots = 0;
            using (var it = _db.NewIterator(_cf[CfSnapshots]))
            {
                for (it.SeekToFirst(); it.Valid(); it.Next())
                {
                    var key = it.Key();
                    var (slot, stateRoot) = Codec.ReadSlotRootKey(key, CfSnapshots);
                    if (slot > fs) break;
                    var blockRoot = Codec.ReadRoot(it.Value(), CfSnapshots, key);
                    if (deadBlocks.Contains(blockRoot) || GetCanonicalBlockRootAtOrBefore(slot)?.Root != blockRoot)
                    {
                        // Dead: deleted above if at or after the cursor; else a stale leftover.
                        if (slot < cursor)
                        {
                            b.Delete(key, _cf[CfSnapshots]);
                            b.Delete(Codec.Root(stateRoot), _cf[CfStates]);
                            snapshots++;
                        }
                        continue;
                    }
                    liveSnapshotsAtOrBelowFin.Add((slot, stateRoot, key));
                }
            }
            ulong? keptWindow = null;
            for (int i = 0; i < liveSnapshotsAtOrBelowFin.Count - 1; i++) // the newest one stays
            {
                var (slot, stateRoot, key) = liveSnapshotsAtOrBelowFin[i];
                if (archiveSnapshotInterval != 0 && slot / archiveSnapshotInterval != keptWindow)
                {
                    keptWindow = slot / archiveSnapshotInterval; // the first snapshot of each window stays
                    continue;
                }
                b.Delete(key, _cf[CfSnapshots]);
                b.Delete(Codec.Root(stateRoot), _cf[CfStates]);
                snapshots++;
            }

            b.Put(KeyPruneCursor, Codec.U64(fs), _cf[CfMeta]);
            Commit(b);
            return new PruneResult(deadBlocks.Count, states, snapshots, fs);
        }
    }

    // ------------------------------------------------------------------ reading

    /// <summary>The block with this root, or null. A stored value that does not decode throws <see cref="StoreException"/>.</summary>
    public SignedBeaconBlock? GetBlock(Bytes32 root)
    {
        var key = Codec.Root(root);
        var v = Get(CfBlocks, key);
        return v is null ? null : Decode<SignedBeaconBlock>(v, CfBlocks, key);
    }

    /// <summary>The block's SSZ bytes as stored (for req/resp and the API), or null.</summary>
    public byte[]? GetBlockSsz(Bytes32 root) => Get(CfBlocks, Codec.Root(root));

    /// <summary>True if the block is stored.</summary>
    public bool HasBlock(Bytes32 root) => GetBlockSummary(root) is not null;

    /// <summary>The block's slot, parent and post-state root, or null.</summary>
    public BlockSummary? GetBlockSummary(Bytes32 root)
    {
        var key = Codec.Root(root);
        var v = Get(CfBlockSummaries, key);
        return v is null ? null : Codec.DecodeBlockSummary(v, CfBlockSummaries, key);
    }

    /// <summary>The canonical block at exactly this slot, or null if the slot is empty (or above the head).</summary>
    public Bytes32? GetCanonicalBlockRoot(ulong slot)
    {
        var key = Codec.SlotKey(slot);
        var v = Get(CfCanonical, key);
        return v is null ? null : Codec.ReadRoot(v, CfCanonical, key);
    }

    /// <summary>The canonical block at this slot or, if the slot is empty, the last one before it.</summary>
    public (ulong Slot, Bytes32 Root)? GetCanonicalBlockRootAtOrBefore(ulong slot)
    {
        using var it = _db.NewIterator(_cf[CfCanonical]);
        it.SeekForPrev(Codec.SlotKey(slot));
        if (!it.Valid()) return null;
        var key = it.Key();
        return (Codec.ReadSlotKey(key, CfCanonical), Codec.ReadRoot(it.Value(), CfCanonical, key));
    }

    /// <summary>The canonical (slot, block root) pairs with <paramref name="fromSlot"/> ≤ slot ≤ <paramref name="toSlot"/>, in slot order.</summary>
    public IEnumerable<(ulong Slot, Bytes32 Root)> GetCanonicalRange(ulong fromSlot, ulong toSlot)
    {
        ThrowIfDisposed();
        using var it = _db.NewIterator(_cf[CfCanonical]);
        for (it.Seek(Codec.SlotKey(fromSlot)); it.Valid(); it.Next())
        {
            var key = it.Key();
            var slot = Codec.ReadSlotKey(key, CfCanonical);
            if (slot > toSlot) yield break;
            yield return (slot, Codec.ReadRoot(it.Value(), CfCanonical, key));
        }
    }

    /// <summary>Every stored block (canonical or not) with a slot above <paramref name="slot"/>, in slot order.</summary>
    public IEnumerable<(ulong Slot, Bytes32 Root)> GetBlockRootsAfter(ulong slot)
    {
        ThrowIfDisposed();
        if (slot == ulong.MaxValue) yield break;
        using var it = _db.NewIterator(_cf[CfBlockSlots]);
        for (it.Seek(Codec.SlotKey(slot + 1)); it.Valid(); it.Next())
            yield return Codec.ReadSlotRootKey(it.Key(), CfBlockSlots);
    }

    /// <summary>Where the state with this root sits, or null if it was never recorded (or pruned).</summary>
    public StateSummary? GetStateSummary(Bytes32 stateRoot)
    {
        var key = Codec.Root(stateRoot);
        var v = Get(CfStateSummaries, key);
        return v is null ? null : Codec.DecodeStateSummary(v, CfStateSummaries, key);
    }

    /// <summary>The state if it is stored as a snapshot, else null (see <see cref="RegenerateState"/>).</summary>
    public BeaconState? GetStateSnapshot(Bytes32 stateRoot)
    {
        var key = Codec.Root(stateRoot);
        var v = Get(CfStates, key);
        return v is null ? null : Decode<BeaconState>(v, CfStates, key);
    }

    /// <summary>The snapshots currently stored, as (slot, state root, latest block root), in slot order.</summary>
    public IReadOnlyList<(ulong Slot, Bytes32 StateRoot, Bytes32 BlockRoot)> GetSnapshots()
    {
        ThrowIfDisposed();
        var list = new List<(ulong, Bytes32, Bytes32)>();
        using var it = _db.NewIterator(_cf[CfSnapshots]);
        for (it.SeekToFirst(); it.Valid(); it.Next())
        {
            var key = it.Key();
            var (slot, sr) = Codec.ReadSlotRootKey(key, CfSnapshots);
            list.Add((slot, sr, Codec.ReadRoot(it.Value(), CfSnapshots, key)));
        }
        return list;
    }

    /// <summary>
    /// Any recorded state: the snapshot itself if stored, else the nearest snapshot on the
    /// state's own chain at or before its slot with the blocks after it replayed by
    /// <paramref name="replay"/>. Null if the state root was never recorded; a
    /// <see cref="StoreException"/> if no snapshot reaches it (pruned history).
    /// </summary>
    public BeaconState? RegenerateState(Bytes32 stateRoot, StateReplayer replay)
    {
        ArgumentNullException.ThrowIfNull(replay);
        if (GetStateSnapshot(stateRoot) is { } direct) return direct;
        if (GetStateSummary(stateRoot) is not { } target) return null;

        // Walk back from the state's block while scanning snapshots in descending slot order;
        // the first snapshot whose block is on the walked path is the base.
        var path = new List<Bytes32>(); // blocks to replay, newest first
        var walkRoot = target.BlockRoot;
        var walk = GetBlockSummary(walkRoot)
            ?? throw new StoreException($"state {stateRoot}: its block {target.BlockRoot} is not in the store");
        using var it = _db.NewIterator(_cf[CfSnapshots]);
        var seekKey = Codec.SlotRootKey(target.Slot, default);
        for (int i = 0; i < 32; i++) seekKey[8 + i] = 0xff;
        for (it.SeekForPrev(seekKey); it.Valid(); it.Prev())
        {
            var key = it.Key();
            var (snapSlot, snapRoot) = Codec.ReadSlotRootKey(key, CfSnapshots);
            var snapBlock = Codec.ReadRoot(it.Value(), CfSnapshots, key);
            var sb = GetBlockSummary(snapBlock);
            if (sb is null) continue;
            while (walk.Slot > sb.Value.Slot)
            {
                path.Add(walkRoot);
                walkRoot = walk.ParentRoot;
                if (GetBlockSummary(walkRoot) is not { } parent)
                    throw new StoreException($"cannot regenerate state {stateRoot}: no snapshot on its chain (history before {walkRoot} is not stored)");
                walk = parent;
            }
            if (walkRoot != snapBlock) continue;
            // The next block on the path must come after the snapshot's slot, or the snapshot
            // is a state of another branch (one where that block's slot was left empty).
            if (path.Count > 0 && GetBlockSummary(path[^1])!.Value.Slot <= snapSlot) continue;

            var baseState = GetStateSnapshot(snapRoot)
                ?? throw Codec.Corrupt(CfSnapshots, key, "snapshot index entry without a stored state");
            var blocks = new List<SignedBeaconBlock>(path.Count);
            for (int i = path.Count - 1; i >= 0; i--)
                blocks.Add(GetBlock(path[i]) ?? throw new StoreException($"cannot regenerate state {stateRoot}: block {path[i]} has a summary but no body"));
            return replay(baseState, blocks, target.Slot);
        }
        throw new StoreException($"cannot regenerate state {stateRoot} (slot {target.Slot}): no snapshot on its chain at or before it");
    }

    // ------------------------------------------------------------------ checks

    /// <summary>
    /// Cross-checks the whole database and returns every problem found (empty = consistent):
    /// metadata present and pointing at stored blocks; every block with its summary and slot
    /// index entry and vice versa; every block's parent present (except the anchor's); the
    /// canonical index exactly the head's chain; every state summary's block present; every
    /// snapshot with its summary and state. With <paramref name="decodeValues"/>, every block and
    /// snapshot is also decoded. Cost: a full scan — a startup or test check, not a hot path.
    /// </summary>
    public IReadOnlyList<string> CheckConsistency(bool decodeValues = false)
    {
        ThrowIfDisposed();
        var problems = new List<string>();
        try
        {
            CheckConsistencyCore(problems, decodeValues);
        }
        catch (StoreException e)
        {
            problems.Add(e.Message);
        }
        return problems;
    }

    private void CheckConsistencyCore(List<string> problems, bool decode)
    {
        if (Get(CfMeta, KeySchema) is null) problems.Add("schema version missing");
        var summaries = new Dictionary<Bytes32, BlockSummary>();
        using (var it = _db.NewIterator(_cf[CfBlockSummaries]))
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                var key = it.Key();
                summaries[Codec.ReadRoot(key, CfBlockSummaries, key)] = Codec.DecodeBlockSummary(it.Value(), CfBlockSummaries, key);
            }
        int blockCount = 0;
        using (var it = _db.NewIterator(_cf[CfBlocks]))
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                var key = it.Key();
                var root = Codec.ReadRoot(key, CfBlocks, key);
                blockCount++;
                if (!summaries.TryGetValue(root, out var s)) { problems.Add($"block {root} has no summary"); continue; }
                if (decode)
                {
                    var blk = Decode<SignedBeaconBlock>(it.Value(), CfBlocks, key);
                    if (blk.Message.Slot != s.Slot || blk.Message.ParentRoot != s.ParentRoot || blk.Message.StateRoot != s.StateRoot)
                        problems.Add($"block {root} disagrees with its summary");
                }
            }
        if (blockCount != summaries.Count) problems.Add($"{blockCount} blocks but {summaries.Count} block summaries");
        int slotEntries = 0;
        using (var it = _db.NewIterator(_cf[CfBlockSlots]))
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                slotEntries++;
                var (slot, root) = Codec.ReadSlotRootKey(it.Key(), CfBlockSlots);
                if (!summaries.TryGetValue(root, out var s) || s.Slot != slot) problems.Add($"block slot index entry ({slot}, {root}) has no matching block");
            }
        if (slotEntries != summaries.Count) problems.Add($"{slotEntries} block slot index entries but {summaries.Count} blocks");

        if (_anchor is null)
        {
            if (summaries.Count > 0) problems.Add("blocks stored but no anchor");
            return;
        }
        foreach (var (root, s) in summaries)
            if (root != _anchor.BlockRoot && !summaries.ContainsKey(s.ParentRoot))
                problems.Add($"block {root} (slot {s.Slot}): parent {s.ParentRoot} missing");

        var head = _head!.Value;
        if (!summaries.TryGetValue(head.Root, out var hs)) problems.Add($"head block {head.Root} missing");
        else if (hs.Slot != head.Slot) problems.Add($"head slot {head.Slot} but head block is at {hs.Slot}");
        foreach (var (name, cp) in new[] { ("justified", _justified!), ("finalized", _finalized!) })
            if (!cp.Root.IsZero && !summaries.ContainsKey(cp.Root)) problems.Add($"{name} block {cp.Root} missing");
        if (_finalized!.Epoch > _justified!.Epoch) problems.Add($"finalized epoch {_finalized.Epoch} after justified epoch {_justified.Epoch}");

        // The canonical index must be exactly the head's chain (down to the anchor).
        var canonical = new Dictionary<ulong, Bytes32>();
        using (var it = _db.NewIterator(_cf[CfCanonical]))
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                var key = it.Key();
                canonical[Codec.ReadSlotKey(key, CfCanonical)] = Codec.ReadRoot(it.Value(), CfCanonical, key);
            }
        int walked = 0;
        var r = head.Root;
        while (summaries.TryGetValue(r, out var s))
        {
            walked++;
            if (!canonical.TryGetValue(s.Slot, out var c) || c != r) problems.Add($"canonical index at slot {s.Slot} is not the head chain's block {r}");
            if (r == _anchor.BlockRoot) break;
            r = s.ParentRoot;
        }
        if (walked != canonical.Count) problems.Add($"canonical index has {canonical.Count} entries but the head chain has {walked} stored blocks");

        var stateSummaries = new Dictionary<Bytes32, StateSummary>();
        using (var it = _db.NewIterator(_cf[CfStateSummaries]))
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                var key = it.Key();
                var s = Codec.DecodeStateSummary(it.Value(), CfStateSummaries, key);
                var root = Codec.ReadRoot(key, CfStateSummaries, key);
                stateSummaries[root] = s;
                if (!summaries.ContainsKey(s.BlockRoot)) problems.Add($"state {root}: block {s.BlockRoot} missing");
            }
        int stateSlots = 0;
        using (var it = _db.NewIterator(_cf[CfStateSlots]))
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                stateSlots++;
                var (slot, root) = Codec.ReadSlotRootKey(it.Key(), CfStateSlots);
                if (!stateSummaries.TryGetValue(root, out var s) || s.Slot != slot) problems.Add($"state slot index entry ({slot}, {root}) has no matching summary");
            }
        if (stateSlots != stateSummaries.Count) problems.Add($"{stateSlots} state slot index entries but {stateSummaries.Count} state summaries");
        if (!stateSummaries.ContainsKey(_anchor.StateRoot))
            problems.Add($"anchor state {_anchor.StateRoot} missing");

        int snaps = 0;
        using (var it = _db.NewIterator(_cf[CfSnapshots]))
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                snaps++;
                var key = it.Key();
                var (slot, root) = Codec.ReadSlotRootKey(key, CfSnapshots);
                if (!stateSummaries.TryGetValue(root, out var s) || s.Slot != slot) problems.Add($"snapshot ({slot}, {root}) has no matching state summary");
                var v = Get(CfStates, Codec.Root(root));
                if (v is null) problems.Add($"snapshot ({slot}, {root}) has no stored state");
                else if (decode && Decode<BeaconState>(v, CfStates, Codec.Root(root)).Slot != slot) problems.Add($"snapshot {root} decodes to another slot");
            }
        int states = 0;
        using (var it = _db.NewIterator(_cf[CfStates]))
            for (it.SeekToFirst(); it.Valid(); it.Next()) states++;
        if (states != snaps) problems.Add($"{states} stored states but {snaps} snapshot index entries");
        if (snaps == 0) problems.Add("no state snapshot stored");
    }

    /// <summary>
    /// A SHA-256 over every key and value of every column family (in order): two stores with the
    /// same digest hold the same data. For tests and diagnostics.
    /// </summary>
    public string ContentDigest()
    {
        ThrowIfDisposed();
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        Span<byte> len = stackalloc byte[4];
        foreach (var c in AllColumns)
        {
            h.AppendData(Encoding.ASCII.GetBytes(c));
            using var it = _db.NewIterator(_cf[c]);
            for (it.SeekToFirst(); it.Valid(); it.Next())
            {
                foreach (var part in new[] { it.Key(), it.Value() })
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(len, part.Length);
                    h.AppendData(len);
                    h.AppendData(part);
                }
            }
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    // ------------------------------------------------------------------ eth1 follower data

    private static readonly byte[] KeyEth1Snapshot = Encoding.ASCII.GetBytes("snapshot");
    private const byte Eth1DepositPrefix = (byte)'d';

    /// <summary>
    /// Appends eth1 deposit records (opaque to the store, keyed by their index) and replaces the
    /// follower's snapshot, in one atomic write: a crash leaves the deposits and the snapshot that
    /// describes them in step.
    /// </summary>
    public void PutEth1(IReadOnlyList<(ulong Index, byte[] Value)> deposits, byte[] snapshot)
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            using var b = new WriteBatch();
            foreach (var (index, value) in deposits) b.Put(Eth1DepositKey(index), value, _cf[CfEth1]);
            b.Put(KeyEth1Snapshot, snapshot, _cf[CfEth1]);
            Commit(b);
        }
    }

    /// <summary>The eth1 follower's last snapshot, or null if it never wrote one.</summary>
    public byte[]? GetEth1Snapshot() => Get(CfEth1, KeyEth1Snapshot);

    /// <summary>The eth1 deposit records from index 0 on, in order, stopping at the first gap.</summary>
    public IEnumerable<byte[]> GetEth1Deposits()
    {
        ThrowIfDisposed();
        using var it = _db.NewIterator(_cf[CfEth1]);
        ulong expected = 0;
        for (it.Seek(Eth1DepositKey(0)); it.Valid(); it.Next())
        {
            var key = it.Key();
            if (key.Length != 9 || key[0] != Eth1DepositPrefix) yield break;
            if (System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(key.AsSpan(1)) != expected) yield break;
            expected++;
            yield return it.Value();
        }
    }

    /// <summary>Drops every eth1 record (the follower starts again from the contract's deployment).</summary>
    public void ClearEth1()
    {
        lock (_writeLock)
        {
            ThrowIfDisposed();
            using var b = new WriteBatch();
            b.DeleteRange(Eth1DepositKey(0), 9, Eth1DepositKey(ulong.MaxValue), 9, _cf[CfEth1]);
            b.Delete(Eth1DepositKey(ulong.MaxValue), _cf[CfEth1]);
            b.Delete(KeyEth1Snapshot, _cf[CfEth1]);
            Commit(b);
        }
    }

    private static byte[] Eth1DepositKey(ulong index)
    {
        var k = new byte[9];
        k[0] = Eth1DepositPrefix;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(k.AsSpan(1), index);
        return k;
    }

    // ------------------------------------------------------------------ plumbing

    private byte[]? Get(string column, byte[] key)
    {
        ThrowIfDisposed();
        try
        {
            return _db.Get(key, _cf[column]);
        }
        catch (RocksDbException e)
        {
            throw new StoreException($"read of column '{column}' key {Codec.KeyText(key)} failed in '{_path}': {e.Message}", e);
        }
    }

    /// <summary>Applies the batch atomically (the caller disposes it).</summary>
    private void Commit(WriteBatch b)
    {
        try
        {
            _db.Write(b, _writeOptions);
        }
        catch (RocksDbException e)
        {
            throw new StoreException($"write to '{_path}' failed (nothing of it was applied): {e.Message}", e);
        }
    }

    private T Decode<T>(byte[] v, string column, byte[] key)
    {
        try
        {
            return _schema.Deserialize<T>(v);
        }
        catch (SszException e)
        {
            throw new StoreException($"corrupt value in column '{column}' at key {Codec.KeyText(key)}: {typeof(T).Name} does not decode: {e.Message}", e);
        }
    }

    private void RequireInitialized()
    {
        if (_anchor is null) throw new StoreException($"database '{_path}' is not initialized (no genesis or checkpoint anchor)");
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed) return;
            _disposed = true;
            _db.Dispose();
            GC.KeepAlive(_cache);
        }
    }
}
