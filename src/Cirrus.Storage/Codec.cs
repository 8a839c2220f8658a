using System.Buffers.Binary;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Storage;

/// <summary>
/// Key and value layouts. Slots in keys are big-endian so that RocksDB's bytewise order is slot
/// order; slots and epochs in values are little-endian like SSZ.
/// </summary>
internal static class Codec
{
    public static byte[] Root(Bytes32 r) => r.AsSpan().ToArray();

    public static byte[] SlotKey(ulong slot)
    {
        var k = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(k, slot);
        return k;
    }

    /// <summary>slot (big-endian) ‖ root: a slot-ordered index of blocks, states or snapshots.</summary>
    public static byte[] SlotRootKey(ulong slot, Bytes32 root)
    {
        var k = new byte[40];
        BinaryPrimitives.WriteUInt64BigEndian(k, slot);
        root.AsSpan().CopyTo(k.AsSpan(8));
        return k;
    }

    public static (ulong Slot, Bytes32 Root) ReadSlotRootKey(byte[] k, string column)
    {
        if (k.Length != 40) throw Corrupt(column, k, $"key of {k.Length} bytes, expected 40");
        return (BinaryPrimitives.ReadUInt64BigEndian(k), Bytes32.FromSpan(k.AsSpan(8)));
    }

    public static ulong ReadSlotKey(byte[] k, string column)
    {
        if (k.Length != 8) throw Corrupt(column, k, $"key of {k.Length} bytes, expected 8");
        return BinaryPrimitives.ReadUInt64BigEndian(k);
    }

    public static Bytes32 ReadRoot(byte[] v, string column, byte[] key)
    {
        if (v.Length != 32) throw Corrupt(column, key, $"value of {v.Length} bytes, expected a 32-byte root");
        return Bytes32.FromSpan(v);
    }

    public static byte[] Encode(BlockSummary s)
    {
        var v = new byte[72];
        BinaryPrimitives.WriteUInt64LittleEndian(v, s.Slot);
        s.ParentRoot.AsSpan().CopyTo(v.AsSpan(8));
        s.StateRoot.AsSpan().CopyTo(v.AsSpan(40));
        return v;
    }

    public static BlockSummary DecodeBlockSummary(byte[] v, string column, byte[] key)
    {
        if (v.Length != 72) throw Corrupt(column, key, $"block summary of {v.Length} bytes, expected 72");
        return new(BinaryPrimitives.ReadUInt64LittleEndian(v), Bytes32.FromSpan(v.AsSpan(8, 32)), Bytes32.FromSpan(v.AsSpan(40, 32)));
    }

    public static byte[] Encode(StateSummary s)
    {
        var v = new byte[40];
        BinaryPrimitives.WriteUInt64LittleEndian(v, s.Slot);
        s.BlockRoot.AsSpan().CopyTo(v.AsSpan(8));
        return v;
    }

    public static StateSummary DecodeStateSummary(byte[] v, string column, byte[] key)
    {
        if (v.Length != 40) throw Corrupt(column, key, $"state summary of {v.Length} bytes, expected 40");
        return new(BinaryPrimitives.ReadUInt64LittleEndian(v), Bytes32.FromSpan(v.AsSpan(8)));
    }

    /// <summary>Same layout as the SSZ encoding of Checkpoint.</summary>
    public static byte[] Encode(Checkpoint c)
    {
        var v = new byte[40];
        BinaryPrimitives.WriteUInt64LittleEndian(v, c.Epoch);
        c.Root.AsSpan().CopyTo(v.AsSpan(8));
        return v;
    }

    public static Checkpoint DecodeCheckpoint(byte[] v, string column, byte[] key)
    {
        if (v.Length != 40) throw Corrupt(column, key, $"checkpoint of {v.Length} bytes, expected 40");
        return new Checkpoint { Epoch = BinaryPrimitives.ReadUInt64LittleEndian(v), Root = Bytes32.FromSpan(v.AsSpan(8)) };
    }

    public static byte[] Encode(ChainHead h)
    {
        var v = new byte[40];
        h.Root.AsSpan().CopyTo(v);
        BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(32), h.Slot);
        return v;
    }

    public static ChainHead DecodeHead(byte[] v, string column, byte[] key)
    {
        if (v.Length != 40) throw Corrupt(column, key, $"head of {v.Length} bytes, expected 40");
        return new(Bytes32.FromSpan(v.AsSpan(0, 32)), BinaryPrimitives.ReadUInt64LittleEndian(v.AsSpan(32)));
    }

    public static byte[] Encode(GenesisInfo g)
    {
        var v = new byte[40];
        BinaryPrimitives.WriteUInt64LittleEndian(v, g.GenesisTime);
        g.GenesisValidatorsRoot.AsSpan().CopyTo(v.AsSpan(8));
        return v;
    }

    public static GenesisInfo DecodeGenesis(byte[] v, string column, byte[] key)
    {
        if (v.Length != 40) throw Corrupt(column, key, $"genesis info of {v.Length} bytes, expected 40");
        return new(BinaryPrimitives.ReadUInt64LittleEndian(v), Bytes32.FromSpan(v.AsSpan(8)));
    }

    public static byte[] Encode(ForkChoiceAnchor a)
    {
        var v = new byte[32 + 32 + 8 + 40];
        a.BlockRoot.AsSpan().CopyTo(v);
        a.StateRoot.AsSpan().CopyTo(v.AsSpan(32));
        BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(64), a.Slot);
        Encode(a.Checkpoint).CopyTo(v, 72);
        return v;
    }

    public static ForkChoiceAnchor DecodeAnchor(byte[] v, string column, byte[] key)
    {
        if (v.Length != 112) throw Corrupt(column, key, $"anchor of {v.Length} bytes, expected 112");
        return new(Bytes32.FromSpan(v.AsSpan(0, 32)), Bytes32.FromSpan(v.AsSpan(32, 32)),
            BinaryPrimitives.ReadUInt64LittleEndian(v.AsSpan(64)), DecodeCheckpoint(v[72..], column, key));
    }

    public static byte[] U64(ulong x)
    {
        var v = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(v, x);
        return v;
    }

    public static ulong ReadU64(byte[] v, string column, byte[] key)
    {
        if (v.Length != 8) throw Corrupt(column, key, $"value of {v.Length} bytes, expected 8");
        return BinaryPrimitives.ReadUInt64LittleEndian(v);
    }

    public static StoreException Corrupt(string column, byte[] key, string what) =>
        new($"corrupt value in column '{column}' at key {KeyText(key)}: {what}");

    public static string KeyText(byte[] key)
    {
        // Metadata keys are ASCII names; everything else is shown as hex.
        foreach (var b in key)
            if (b < 0x20 || b > 0x7e) return "0x" + Convert.ToHexStringLower(key);
        return "'" + System.Text.Encoding.ASCII.GetString(key) + "'";
    }
}
