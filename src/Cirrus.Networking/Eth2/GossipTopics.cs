using Snappier;

namespace Cirrus.Networking.Eth2;

/// <summary>eth2 phase0 gossip topic names and payload encoding (consensus-specs v1.0 p2p-interface).</summary>
public static class GossipTopics
{
    /// <summary>GOSSIP_MAX_SIZE: largest uncompressed gossip payload.</summary>
    public const int GossipMaxSize = 1 << 20;
    public const int AttestationSubnetCount = 64;

    public const string BeaconBlock = "beacon_block";
    public const string BeaconAggregateAndProof = "beacon_aggregate_and_proof";
    public const string VoluntaryExit = "voluntary_exit";
    public const string ProposerSlashing = "proposer_slashing";
    public const string AttesterSlashing = "attester_slashing";
    public static string BeaconAttestation(int subnetId) => $"beacon_attestation_{subnetId}";

    /// <summary><c>/eth2/{fork_digest hex}/{name}/ssz_snappy</c>.</summary>
    public static string Topic(ReadOnlySpan<byte> forkDigest, string name)
    {
        if (forkDigest.Length != 4) throw new ArgumentException("fork digest is 4 bytes", nameof(forkDigest));
        return $"/eth2/{Convert.ToHexString(forkDigest).ToLowerInvariant()}/{name}/ssz_snappy";
    }

    /// <summary>Splits a topic into fork digest and name; false if it is not an eth2 ssz_snappy topic.</summary>
    public static bool TryParse(string topic, out byte[] forkDigest, out string name)
    {
        forkDigest = []; name = "";
        var parts = topic.Split('/');
        if (parts.Length != 5 || parts[0] != "" || parts[1] != "eth2" || parts[4] != "ssz_snappy" || parts[2].Length != 8) return false;
        try { forkDigest = Convert.FromHexString(parts[2]); }
        catch (FormatException) { return false; }
        name = parts[3];
        return name.Length > 0;
    }

    /// <summary>Gossip payload = snappy block format of the SSZ bytes.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> ssz)
    {
        if (ssz.Length > GossipMaxSize) throw new ArgumentException("payload exceeds GOSSIP_MAX_SIZE", nameof(ssz));
        return Snappy.CompressToArray(ssz);
    }

    /// <summary>
    /// Decompresses a gossip payload; the declared length is checked against <paramref name="maxLength"/>
    /// (default GOSSIP_MAX_SIZE) before allocating. Malformed input throws <see cref="P2pException"/>.
    /// </summary>
    public static byte[] Decode(ReadOnlySpan<byte> data, int maxLength = GossipMaxSize)
    {
        int len;
        try { len = Snappy.GetUncompressedLength(data); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException) { throw new P2pException("gossip payload: invalid snappy"); }
        if (len < 0 || len > maxLength) throw new P2pException($"gossip payload: {len} bytes exceeds {maxLength}");
        var buf = new byte[len];
        int n;
        try { n = Snappy.Decompress(data, buf); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException) { throw new P2pException("gossip payload: invalid snappy"); }
        if (n != len) throw new P2pException("gossip payload: length mismatch");
        return buf;
    }
}
