using System.Buffers.Binary;

namespace Cirrus.Networking.Discovery;

/// <summary>SSZ <c>ENRForkID</c>: fork_digest (4) ‖ next_fork_version (4) ‖ next_fork_epoch (uint64 LE).</summary>
public readonly record struct EnrForkId(uint ForkDigestValue, uint NextForkVersionValue, ulong NextForkEpoch)
{
    public const int SszLength = 16;

    public static EnrForkId Create(ReadOnlySpan<byte> forkDigest, ReadOnlySpan<byte> nextForkVersion, ulong nextForkEpoch)
    {
        if (forkDigest.Length != 4 || nextForkVersion.Length != 4) throw new ArgumentException("fork digest and version are 4 bytes");
        return new EnrForkId(BinaryPrimitives.ReadUInt32BigEndian(forkDigest), BinaryPrimitives.ReadUInt32BigEndian(nextForkVersion), nextForkEpoch);
    }

    public byte[] ForkDigest { get { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, ForkDigestValue); return b; } }
    public byte[] NextForkVersion { get { var b = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, NextForkVersionValue); return b; } }

    public byte[] Encode()
    {
        var b = new byte[SszLength];
        BinaryPrimitives.WriteUInt32BigEndian(b, ForkDigestValue);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), NextForkVersionValue);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), NextForkEpoch);
        return b;
    }

    public static bool TryDecode(ReadOnlySpan<byte> ssz, out EnrForkId forkId)
    {
        forkId = default;
        if (ssz.Length != SszLength) return false;
        forkId = new EnrForkId(BinaryPrimitives.ReadUInt32BigEndian(ssz), BinaryPrimitives.ReadUInt32BigEndian(ssz[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(ssz[8..]));
        return true;
    }

    public bool DigestEquals(ReadOnlySpan<byte> digest) => digest.Length == 4 && BinaryPrimitives.ReadUInt32BigEndian(digest) == ForkDigestValue;
}

/// <summary>Eth2 peer selection over ENRs, for <see cref="Discv5Service.FindPeers"/> and <see cref="Discv5Service.DiscoverPeersAsync"/>.</summary>
public static class Eth2Enr
{
    /// <summary>True when the record's <c>eth2</c> fork digest equals <paramref name="forkDigest"/> and, when given, its <c>attnets</c> has <paramref name="subnet"/>.</summary>
    public static bool Matches(Enr enr, ReadOnlySpan<byte> forkDigest, int? subnet = null)
        => enr.Eth2 is { } f && f.DigestEquals(forkDigest) && (subnet is not { } s || enr.HasAttnet(s));
}
