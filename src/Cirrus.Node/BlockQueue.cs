using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node;

/// <summary>
/// Blocks that came before their slot or before their parent, held until they can be imported.
/// Bounded: when full, the block furthest ahead gives way (the nearest are likeliest to import).
/// Thread-safe with its own lock, which is never held while taking the chain's.
/// </summary>
internal sealed class BlockQueue(int capacity)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Bytes32, SignedBeaconBlock> _blocks = []; // by block root

    public int Count { get { lock (_lock) return _blocks.Count; } }

    public void Add(Bytes32 root, SignedBeaconBlock block)
    {
        lock (_lock)
        {
            if (_blocks.Count >= capacity && !_blocks.ContainsKey(root))
            {
                var drop = _blocks.MaxBy(kv => kv.Value.Message.Slot);
                _blocks.Remove(drop.Key);
            }
            _blocks[root] = block;
        }
    }

    /// <summary>Removes a block; false when it is not (or no longer) held.</summary>
    public bool Remove(Bytes32 root)
    {
        lock (_lock) return _blocks.Remove(root);
    }

    /// <summary>The held blocks whose slot has come, oldest first (not removed).</summary>
    public List<(Bytes32 Root, SignedBeaconBlock Block)> Ready(ulong currentSlot)
    {
        lock (_lock)
            return _blocks.Where(kv => kv.Value.Message.Slot <= currentSlot).OrderBy(kv => kv.Value.Message.Slot)
                .Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>Takes out the held children of <paramref name="parent"/> whose slot has come.</summary>
    public List<(Bytes32 Root, SignedBeaconBlock Block)> TakeChildren(Bytes32 parent, ulong currentSlot)
    {
        lock (_lock)
        {
            var children = _blocks.Where(kv => kv.Value.Message.ParentRoot == parent && kv.Value.Message.Slot <= currentSlot)
                .Select(kv => (kv.Key, kv.Value)).ToList();
            foreach (var (root, _) in children) _blocks.Remove(root);
            return children;
        }
    }
}
