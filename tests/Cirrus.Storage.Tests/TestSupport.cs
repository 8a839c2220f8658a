using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage.CrashWriter;
using RocksDbSharp;
using Checkpoint = Cirrus.Consensus.Types.Checkpoint;

namespace Cirrus.Storage.Tests;

/// <summary>A fresh directory under the system temp dir, deleted on dispose.</summary>
public sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cirrus-store-" + Guid.NewGuid().ToString("N"))).FullName;
    public string Sub(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Builds small block trees by hand for the unit tests.</summary>
public sealed class TreeBuilder
{
    public static readonly SszSchema Schema = MinimalSchema.Schema;
    public readonly SyntheticChain Chain = new(Schema, 0);
    public readonly Dictionary<string, (Bytes32 Root, SignedBeaconBlock Block)> Blocks = new();

    public BeaconStore Store { get; }

    public TreeBuilder(BeaconStore store)
    {
        Store = store;
        Chain.InitializeIfNeeded(store);
        Blocks["G"] = Chain.Genesis;
    }

    public Bytes32 Root(string name) => Blocks[name].Root;
    public Bytes32 StateRoot(string name) => Blocks[name].Block.Message.StateRoot;
    public ulong SlotOf(string name) => Blocks[name].Block.Message.Slot;

    public static Checkpoint Cp(ulong epoch, Bytes32 root) => new() { Epoch = epoch, Root = root };

    /// <summary>Imports block <paramref name="name"/> at <paramref name="slot"/> on <paramref name="parent"/>; head moves to it unless told otherwise.</summary>
    public Bytes32 Add(string name, ulong slot, string parent, bool makeHead = true, bool snapshot = false, IReadOnlyList<StateRecord>? extra = null)
    {
        var b = Chain.MakeBlock(slot, Root(parent), name);
        var root = Schema.HashTreeRoot(b.Message);
        Blocks[name] = (root, b);
        var g = Root("G");
        Store.ImportBlock(new BlockImport(root, b,
            snapshot ? Chain.State(slot, root) : null,
            makeHead ? new HeadUpdate(root, Cp(0, g), Cp(0, g)) : null, extra));
        return root;
    }

    public List<(ulong, Bytes32)> Canonical() => Store.GetCanonicalRange(0, ulong.MaxValue).ToList();
}

/// <summary>Direct RocksDB access, to tamper with a store the way a bug or bit rot would.</summary>
public static class RawDb
{
    public static readonly string[] Columns =
        ["meta", "blocks", "block_summaries", "block_slots", "canonical", "state_summaries", "state_slots", "snapshots", "states", "eth1"];

    public static RocksDb Open(string path, IEnumerable<string>? columns = null)
    {
        var cfs = new ColumnFamilies();
        foreach (var c in columns ?? Columns) cfs.Add(c, new ColumnFamilyOptions());
        return RocksDb.Open(new DbOptions().SetCreateIfMissing(true).SetCreateMissingColumnFamilies(true), path, cfs);
    }
}
