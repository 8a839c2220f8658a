namespace Cirrus.Storage;

/// <summary>Tuning for <see cref="BeaconStore"/>. The defaults suit a frugal node.</summary>
public sealed class StoreOptions
{
    /// <summary>
    /// Sync the write-ahead log on every commit (fsync). With it, an import that returned
    /// survives power loss; without it, it survives a process crash (the OS still holds the
    /// WAL) but not a machine crash. Atomicity of each import holds either way.
    /// </summary>
    public bool SyncWrites { get; init; } = true;

    /// <summary>
    /// One LRU block cache shared by all column families (uncompressed data blocks, and index
    /// and filter blocks, which are charged to it instead of living outside any bound).
    /// </summary>
    public ulong BlockCacheBytes { get; init; } = 32UL << 20;

    /// <summary>Upper bound on SST file descriptors kept open (-1 = unbounded).</summary>
    public int MaxOpenFiles { get; init; } = 256;

    /// <summary>
    /// Compress SST blocks: LZ4 for blocks and indexes (cheap, and BLS signatures barely
    /// compress anyway), Zstd for state snapshots (large, repetitive, rarely read). When the
    /// native build lacks a codec, the store falls back to no compression.
    /// </summary>
    public bool Compression { get; init; } = true;

    /// <summary>Where the store reports what it recovered or lost on open (the node's log).</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Memtable size per column family for the large values (blocks, state snapshots).</summary>
    public ulong WriteBufferBytes { get; init; } = 8UL << 20;
}
