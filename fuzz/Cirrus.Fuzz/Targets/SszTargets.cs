using System.Buffers.Binary;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Networking;
using Cirrus.Networking.Eth2;
using Cirrus.Networking.ReqResp;
using Cirrus.Ssz;

namespace Cirrus.Fuzz.Targets;

/// <summary>
/// SSZ decoding of every phase0 container. Input: one byte (bit 7: mainnet, else minimal; the rest picks
/// the container), then the encoding. Oracle: only SszException; a decoded value re-encodes to exactly
/// the input (SSZ is canonical), and its copy and its Beacon API JSON round trip hash to the same root.
/// </summary>
public sealed class SszTarget : FuzzTarget
{
    /// <summary>The containers of the spec's ssz_static tests, in a fixed order (the selector indexes it).</summary>
    public static readonly string[] Containers =
    [
        "AggregateAndProof", "Attestation", "AttestationData", "AttesterSlashing", "BeaconBlock", "BeaconBlockBody",
        "BeaconBlockHeader", "BeaconState", "Checkpoint", "Deposit", "DepositData", "DepositMessage", "Eth1Block", "Eth1Data",
        "Fork", "ForkData", "HistoricalBatch", "IndexedAttestation", "PendingAttestation", "ProposerSlashing",
        "SignedAggregateAndProof", "SignedBeaconBlock", "SignedBeaconBlockHeader", "SignedVoluntaryExit", "SigningData",
        "Validator", "VoluntaryExit",
    ];

    private static readonly Type[] Types = Containers.Select(n =>
        typeof(BeaconState).Assembly.GetType("Cirrus.Consensus.Types." + n) ?? throw new InvalidOperationException("no type " + n)).ToArray();

    private static readonly Action<byte[]>[][] Checks =
        [Types.Select(t => Check(ChainConfig.Minimal.Schema, t)).ToArray(), Types.Select(t => Check(ChainConfig.Mainnet.Schema, t)).ToArray()];

    public override string Name => "ssz";
    public override string Description => "SSZ decode of every phase0 container (both presets): canonical re-encoding, copy and JSON round trip keep the root";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(SszException)];

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) throw new SszException("empty input");
        Checks[input[0] >> 7][(input[0] & 0x7f) % Types.Length](input[1..].ToArray());
    }

    private static Action<byte[]> Check(SszSchema schema, Type t) =>
        (Action<byte[]>)Delegate.CreateDelegate(typeof(Action<byte[]>), schema.Get(t),
            typeof(SszTarget).GetMethod(nameof(CheckTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(t));

    private static void CheckTyped<T>(SszType<T> type, byte[] bytes)
    {
        T value = type.Deserialize(bytes);
        if (!type.Serialize(value).AsSpan().SequenceEqual(bytes))
            throw new InvariantViolation($"{typeof(T).Name}: decoded bytes do not re-encode to themselves");
        var root = type.HashTreeRoot(value);
        if (type.HashTreeRoot(type.Copy(value)) != root) throw new InvariantViolation($"{typeof(T).Name}: a copy hashes differently");
        T fromJson;
        try { fromJson = type.FromJson(type.ToJson(value)); }
        catch (SszException e) { throw new InvariantViolation($"{typeof(T).Name}: its own JSON does not parse: {e.Message}"); }
        if (type.HashTreeRoot(fromJson) != root) throw new InvariantViolation($"{typeof(T).Name}: the JSON round trip changes the root");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        for (int i = 0; i < Containers.Length; i++)
        {
            foreach (var (preset, bit, take) in new[] { ("minimal", 0, 3), ("mainnet", 0x80, 1) })
            {
                string dir = Path.Combine(sources.SpecTests, preset, "phase0", "ssz_static", Containers[i], "ssz_random");
                if (!Directory.Exists(dir)) continue;
                foreach (var c in Directory.GetDirectories(dir).Order(StringComparer.Ordinal).Take(take))
                {
                    byte[] b = File.ReadAllBytes(Path.Combine(c, "serialized.ssz"));
                    if (b.Length > 200_000) continue; // AFL wants small seeds; big states add nothing the small ones lack
                    yield return ($"{preset}-{Containers[i]}-{Path.GetFileName(c)}", [(byte)(bit | i), .. b]);
                }
            }
        }
        if (sources.Testnets is { } t && File.Exists(Path.Combine(t, "medalla", "recent-finalized-block.ssz")))
            yield return ("medalla-block", [(byte)(0x80 | Array.IndexOf(Containers, "SignedBeaconBlock")), .. File.ReadAllBytes(Path.Combine(t, "medalla", "recent-finalized-block.ssz"))]);
    }
}

/// <summary>
/// Snappy as eth2 uses it. Input: one selector byte, then: 0 = framed stream (4-byte little-endian expected
/// length, then frames), 1 = a gossip payload (raw block format), 2 = a req/resp response chunk (result
/// code, varint length, frames), 3 = a req/resp request. Oracle: only P2pException.
/// </summary>
public sealed class SnappyTarget : FuzzTarget
{
    public override string Name => "snappy";
    public override string Description => "snappy framing, gossip snappy blocks, req/resp request and response chunks";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(P2pException)];

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) throw new P2pException("empty input");
        var rest = input[1..];
        switch (input[0] % 4)
        {
            case 0:
                if (rest.Length < 4) throw new P2pException("no length");
                int len = (int)(BinaryPrimitives.ReadUInt32LittleEndian(rest) % (1 << 20));
                byte[] framed = rest[4..].ToArray();
                var data = SnappyFrames.ReadAsync(new MemoryStream(framed), len, CancellationToken.None).GetAwaiter().GetResult();
                if (data.Length != len) throw new InvariantViolation("snappy frames: wrong length returned");
                break;
            case 1:
                byte[] plain = GossipTopics.Decode(rest);
                if (!GossipTopics.Decode(GossipTopics.Encode(plain)).AsSpan().SequenceEqual(plain))
                    throw new InvariantViolation("gossip snappy: re-encoding does not decode to the same bytes");
                break;
            case 2:
                var s = new MemoryStream(rest.ToArray());
                while (ReqResp.ReadResponseChunkAsync(s, 0, ReqResp.MaxChunkSize, CancellationToken.None).GetAwaiter().GetResult() is not null) { }
                break;
            default:
                ReqResp.ReadRequestAsync(new MemoryStream(rest.ToArray()), 0, 1024, CancellationToken.None).GetAwaiter().GetResult();
                break;
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        byte[] payload = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("cirrus snappy seed ", 40)));
        byte[] framed = SnappyFrames.Compress(payload);
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)payload.Length);
        yield return ("frames", [0, .. len, .. framed]);
        yield return ("gossip", [1, .. GossipTopics.Encode(payload)]);
        var chunk = new MemoryStream();
        chunk.WriteByte(0);
        chunk.Write(Varint.Encode((ulong)payload.Length));
        chunk.Write(framed);
        yield return ("response", [2, .. chunk.ToArray()]);
        var req = new MemoryStream();
        req.Write(Varint.Encode(16));
        req.Write(SnappyFrames.Compress(new byte[16]));
        yield return ("request", [3, .. req.ToArray()]);
    }
}

/// <summary>
/// compute_shuffled_index against the whole-list shuffle the committees use. Input: a byte (even: 10
/// rounds as minimal, odd: 90 as mainnet), a 32-byte seed, a 2-byte count (below 512; below 64 with 90
/// rounds). Oracle: the list shuffle is a permutation equal to the spec function index by index.
/// </summary>
public sealed class ShuffleTarget : FuzzTarget
{
    public override string Name => "shuffle";
    public override string Description => "compute_shuffled_index against the batched list shuffle";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(HarnessLimit)];

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 35) throw new HarnessLimit("input shorter than 35 bytes");
        int rounds = (input[0] & 1) == 0 ? 10 : 90;
        var seed = Bytes32.FromSpan(input.Slice(1, 32));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(input[33..]) % (rounds == 10 ? 512 : 64);
        var list = new int[count];
        for (int i = 0; i < count; i++) list[i] = i;
        Shuffling.ShuffleList(list, seed, rounds);
        var seen = new bool[count];
        for (int i = 0; i < count; i++)
        {
            ulong expected = Shuffling.ComputeShuffledIndex((ulong)i, (ulong)count, seed, rounds);
            if ((ulong)list[i] != expected) throw new InvariantViolation($"shuffle of {count}: index {i} gives {list[i]}, compute_shuffled_index {expected}");
            if (seen[list[i]]) throw new InvariantViolation("shuffle is not a permutation");
            seen[list[i]] = true;
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        var rng = new Random(19);
        foreach (var (name, rounds, count) in new[] { ("minimal-100", 0, 100), ("minimal-511", 0, 511), ("mainnet-33", 1, 33), ("empty", 0, 0), ("one", 1, 1) })
        {
            var b = new byte[35];
            rng.NextBytes(b);
            b[0] = (byte)rounds;
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(33), (ushort)count);
            yield return (name, b);
        }
    }
}
