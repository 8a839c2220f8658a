using System.Buffers.Binary;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Eth1;

/// <summary>
/// Decodes the deposit contract's DepositEvent(bytes pubkey, bytes withdrawal_credentials, bytes amount,
/// bytes signature, bytes index) (spec: deposit_contract.md): five ABI-encoded dynamic byte strings,
/// amount and index as little-endian uint64. Anything else is an <see cref="Eth1Exception"/>.
/// </summary>
public static class DepositLog
{
    /// <summary>keccak256("DepositEvent(bytes,bytes,bytes,bytes,bytes)"), the event's topic 0.</summary>
    public const string DepositEventTopic = "0x649bbc62d0e31342afea4e5cd82d4049e7e1ee912fc0889aa790803be39038c5";

    private static readonly int[] Lengths = [48, 32, 8, 96, 8];

    public static (DepositData Data, ulong Index) Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < 5 * 32 || data.Length > 4096) throw new Eth1Exception($"DepositEvent data of {data.Length} bytes");
        var fields = new byte[5][];
        for (int f = 0; f < 5; f++)
        {
            ulong offset = Word(data, f * 32);
            if (offset % 32 != 0 || offset + 32 > (ulong)data.Length) throw new Eth1Exception($"DepositEvent field {f}: offset {offset} out of bounds");
            ulong len = Word(data, (int)offset);
            if (len != (ulong)Lengths[f]) throw new Eth1Exception($"DepositEvent field {f}: {len} bytes, expected {Lengths[f]}");
            if (offset + 32 + len > (ulong)data.Length) throw new Eth1Exception($"DepositEvent field {f}: runs past the data");
            fields[f] = data.Slice((int)offset + 32, (int)len).ToArray();
        }
        var deposit = new DepositData
        {
            Pubkey = Bytes48.FromSpan(fields[0]),
            WithdrawalCredentials = Bytes32.FromSpan(fields[1]),
            Amount = BinaryPrimitives.ReadUInt64LittleEndian(fields[2]),
            Signature = Bytes96.FromSpan(fields[3]),
        };
        return (deposit, BinaryPrimitives.ReadUInt64LittleEndian(fields[4]));
    }

    /// <summary>A 32-byte big-endian ABI word that must fit 32 bits (offsets and lengths).</summary>
    private static ulong Word(ReadOnlySpan<byte> data, int at)
    {
        var w = data.Slice(at, 32);
        for (int i = 0; i < 28; i++) if (w[i] != 0) throw new Eth1Exception("DepositEvent: an ABI offset or length does not fit 32 bits");
        return BinaryPrimitives.ReadUInt32BigEndian(w[28..]);
    }

    /// <summary>The ABI encoding of a DepositEvent (what the contract logs); for tests and fake chains.</summary>
    public static byte[] Encode(DepositData d, ulong index)
    {
        byte[][] fields = [d.Pubkey.AsSpan().ToArray(), d.WithdrawalCredentials.AsSpan().ToArray(), LittleEndian(d.Amount), d.Signature.AsSpan().ToArray(), LittleEndian(index)];
        var head = new List<byte[]>();
        var tail = new List<byte>();
        int offset = 5 * 32;
        foreach (var f in fields)
        {
            head.Add(BigEndianWord((ulong)(offset + tail.Count)));
            tail.AddRange(BigEndianWord((ulong)f.Length));
            tail.AddRange(f);
            while (tail.Count % 32 != 0) tail.Add(0);
        }
        var outp = new List<byte>();
        foreach (var h in head) outp.AddRange(h);
        outp.AddRange(tail);
        return [.. outp];
    }

    private static byte[] LittleEndian(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); return b; }
    private static byte[] BigEndianWord(ulong v) { var b = new byte[32]; BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(24), v); return b; }
}
