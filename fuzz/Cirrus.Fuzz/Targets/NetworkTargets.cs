using System.Buffers.Binary;
using System.Net;
using Cirrus.Networking;
using Cirrus.Networking.Discovery;
using Cirrus.Networking.Gossip;

namespace Cirrus.Fuzz.Targets;

/// <summary>A connection whose remote sends the fuzz input and then closes; what we write is dropped.</summary>
internal sealed class InputStream(byte[] input) : Stream
{
    private int _pos;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(buffer.Length, input.Length - _pos);
        input.AsSpan(_pos, n).CopyTo(buffer);
        _pos += n;
        return n;
    }
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => ValueTask.FromResult(Read(buffer.Span));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.FromResult(Read(buffer.AsSpan(offset, count)));
    public override void Write(byte[] buffer, int offset, int count) { }
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => ValueTask.CompletedTask;
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken ct) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}

/// <summary>Targets whose only documented rejection is the network layer's P2pException.</summary>
public abstract class P2pTarget : FuzzTarget
{
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(P2pException)];

    protected static void Sync(Task t) => t.GetAwaiter().GetResult();

    protected static byte[] Prefixed(params string[] messages)
    {
        var ms = new MemoryStream();
        foreach (var m in messages)
        {
            var b = System.Text.Encoding.UTF8.GetBytes(m + "\n");
            ms.Write(Varint.Encode((ulong)b.Length));
            ms.Write(b);
        }
        return ms.ToArray();
    }
}

/// <summary>multistream-select 1.0 as responder (even first byte) or initiator (odd). Oracle: only P2pException.</summary>
public sealed class MultistreamTarget : P2pTarget
{
    public override string Name => "multistream";
    public override string Description => "multistream-select negotiation, both roles, against the input as the remote";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) throw new P2pException("empty input");
        var s = new InputStream(input[1..].ToArray());
        if ((input[0] & 1) == 0)
            Sync(Multistream.HandleAsync(s, p => p == "/meshsub/1.1.0", () => ["/meshsub/1.1.0", "/ipfs/id/1.0.0"], CancellationToken.None));
        else
            Sync(Multistream.SelectAsync(s, ["/yamux/1.0.0", "/mplex/6.7.0"], CancellationToken.None));
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        yield return ("responder", [0, .. Prefixed(Multistream.ProtocolId, "/noise", "/meshsub/1.1.0")]);
        yield return ("responder-ls", [0, .. Prefixed(Multistream.ProtocolId, "ls", "/meshsub/1.1.0")]);
        yield return ("initiator", [1, .. Prefixed(Multistream.ProtocolId, "na", "/mplex/6.7.0")]);
    }
}

/// <summary>
/// The Noise XX handshake with the input as the remote's frames: 0 = we respond, 1 = we initiate (both end
/// at a decryption failure, since the remote cannot know our ephemeral key), 2 = the handshake payload
/// (identity key protobuf and signature) checked against a static key taken from the input.
/// </summary>
public sealed class NoiseTarget : P2pTarget
{
    private static readonly Secp256k1Key Identity = Secp256k1Key.FromBytes(Enumerable.Repeat((byte)7, 32).ToArray());

    public override string Name => "noise";
    public override string Description => "Noise XX handshake messages, both roles, and the libp2p handshake payload";

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) throw new P2pException("empty input");
        switch (input[0] % 3)
        {
            case 0:
            case 1:
                Sync(NoiseHandshake.SecureAsync(new InputStream(input[1..].ToArray()), Identity, initiator: input[0] % 3 == 1, null, CancellationToken.None));
                break;
            default:
                if (input.Length < 33) throw new P2pException("no static key");
                NoiseHandshake.VerifyPayload(input[33..].ToArray(), input.Slice(1, 32));
                break;
        }
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        var frame = new byte[2 + 32];
        BinaryPrimitives.WriteUInt16BigEndian(frame, 32);
        new Random(3).NextBytes(frame.AsSpan(2));
        yield return ("responder-msg1", [0, .. frame]);
        var m2 = new byte[2 + 32 + 48 + 120];
        BinaryPrimitives.WriteUInt16BigEndian(m2, (ushort)(m2.Length - 2));
        new Random(4).NextBytes(m2.AsSpan(2));
        yield return ("initiator-msg2", [1, .. m2]);
        var staticKey = new byte[32];
        new Random(5).NextBytes(staticKey);
        yield return ("payload", [2, .. staticKey, .. NoiseHandshake.MakePayload(Identity, staticKey)]);
    }
}

/// <summary>A muxer's read loop over the input as the remote's frames; inbound streams are refused (reset).</summary>
public abstract class MuxerTarget : P2pTarget
{
    private protected abstract Muxer Create(Stream s);

    public override void Run(ReadOnlySpan<byte> input)
    {
        var m = Create(new InputStream(input.ToArray()));
        Sync(m.RunAsync());
    }
}

public sealed class MplexTarget : MuxerTarget
{
    public override string Name => "mplex";
    public override string Description => "mplex frame decoding and stream state (new, message, close, reset)";
    private protected override Muxer Create(Stream s) => new Mplex(s, initiator: false);

    private static byte[] Frame(ulong id, int flag, byte[] data) => [.. Varint.Encode(id << 3 | (uint)flag), .. Varint.Encode((ulong)data.Length), .. data];

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        yield return ("open-send-close", [.. Frame(1, 0, "s"u8.ToArray()), .. Frame(1, 2, "hello"u8.ToArray()), .. Frame(1, 4, []), .. Frame(3, 0, []), .. Frame(3, 6, [])]);
    }
}

public sealed class YamuxTarget : MuxerTarget
{
    public override string Name => "yamux";
    public override string Description => "yamux frame decoding, windows, pings and go-away";
    private protected override Muxer Create(Stream s) => new Yamux(s, initiator: false);

    private static byte[] Frame(byte type, ushort flags, uint id, uint length, byte[]? data = null)
    {
        var h = new byte[12];
        h[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), id);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(8), length);
        return [.. h, .. data ?? []];
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        // type 0 data, 1 window update, 2 ping, 3 go-away; flags 1 SYN, 2 ACK, 4 FIN, 8 RST
        yield return ("syn-data-fin", [.. Frame(1, 1, 1, 0), .. Frame(0, 0, 1, 5, "hello"u8.ToArray()), .. Frame(0, 4, 1, 0), .. Frame(2, 1, 0, 7), .. Frame(3, 0, 0, 0)]);
    }
}

/// <summary>Gossipsub RPC protobuf. Oracle: only P2pException; a decoded RPC re-encodes to a fixed point.</summary>
public sealed class GossipRpcTarget : P2pTarget
{
    public override string Name => "gossip_rpc";
    public override string Description => "gossipsub RPC protobuf decode (subscriptions, messages, control); encode(decode) is a fixed point";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var once = Rpc.Decode(input).Encode();
        if (!Rpc.Decode(once).Encode().AsSpan().SequenceEqual(once)) throw new InvariantViolation("gossip RPC: re-encoding is not stable");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        var rpc = new Rpc();
        rpc.Subscriptions.Add((true, "/eth2/e7a75d5a/beacon_block/ssz_snappy"));
        rpc.Publish.Add(new RpcMessage { Data = [1, 2, 3], Topic = "/eth2/e7a75d5a/beacon_block/ssz_snappy" });
        rpc.Graft.Add("/eth2/e7a75d5a/beacon_block/ssz_snappy");
        rpc.IHave.Add(("/eth2/e7a75d5a/beacon_block/ssz_snappy", [new byte[20]]));
        rpc.Prune.Add(("/eth2/e7a75d5a/beacon_aggregate_and_proof/ssz_snappy", 60));
        yield return ("rpc", rpc.Encode());
    }
}

/// <summary>libp2p identify protobuf. Oracle: only P2pException; encode(decode) is a fixed point.</summary>
public sealed class IdentifyTarget : P2pTarget
{
    public override string Name => "identify";
    public override string Description => "libp2p identify protobuf decode (key, multiaddrs, protocols)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var once = Identify.Encode(Identify.Decode(input));
        if (!Identify.Encode(Identify.Decode(once)).AsSpan().SequenceEqual(once)) throw new InvariantViolation("identify: re-encoding is not stable");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        var key = Secp256k1Key.FromBytes(Enumerable.Repeat((byte)9, 32).ToArray());
        yield return ("identify", Identify.Encode(new IdentifyInfo(
            key.PeerPublicKey,
            [Multiaddr.Parse("/ip4/127.0.0.1/tcp/9000"), Multiaddr.Parse("/ip6/::1/tcp/9001")],
            ["/ipfs/id/1.0.0", "/meshsub/1.1.0"],
            Multiaddr.Parse("/ip4/10.0.0.1/tcp/4242"),
            "ipfs/0.1.0",
            "cirrus/0.1.0")));
    }
}

/// <summary>
/// discv5.1: 0 = a whole packet unmasked for a fixed local node id (header checks), 1 = a message plaintext
/// (PING, PONG, FINDNODE, NODES, TALKREQ, TALKRESP). Oracle: only Discv5Exception; decoded messages
/// re-encode to a fixed point.
/// </summary>
public sealed class Discv5Target : FuzzTarget
{
    private static readonly byte[] LocalId = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();

    public override string Name => "discv5";
    public override string Description => "discv5.1 packet header unmasking and message decoding";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(Discv5Exception)];

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) throw new Discv5Exception("empty input");
        if ((input[0] & 1) == 0)
        {
            if (!Discv5Packet.TryDecode(input[1..], LocalId, out _)) throw new Discv5Exception("packet rejected");
            return;
        }
        var once = Discv5Message.Decode(input[1..]).Encode();
        if (!Discv5Message.Decode(once).Encode().AsSpan().SequenceEqual(once)) throw new InvariantViolation("discv5 message: re-encoding is not stable");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        byte[] reqId = [1, 2, 3, 4];
        yield return ("ping", [1, .. new Ping(reqId, 5).Encode()]);
        yield return ("pong", [1, .. new Pong(reqId, 5, IPAddress.Loopback, 9000).Encode()]);
        yield return ("findnode", [1, .. new FindNode(reqId, [256, 255]).Encode()]);
        yield return ("talkreq", [1, .. new TalkReq(reqId, "eth2"u8.ToArray(), [9]).Encode()]);
        var iv = new byte[16];
        byte[] header = [.. "discv5"u8.ToArray(), 0, 1, 0, .. new byte[12], 0, 32, .. new byte[32]];
        yield return ("packet", [0, .. Discv5Packet.Encode(LocalId, iv, header, new byte[20])]);
    }
}

/// <summary>
/// ENRs: 0 = binary RLP, 1 = text ("enr:..."), 2 = key/value pairs from the input, signed here with a
/// fixed key, so the fields behind the signature check are reached. Oracle: only EnrException; a
/// decoded record re-encodes to its input and its fields read without throwing.
/// </summary>
public sealed class EnrTarget : FuzzTarget
{
    private static readonly Secp256k1Key Key = Secp256k1Key.FromBytes(Enumerable.Repeat((byte)5, 32).ToArray());

    public override string Name => "enr";
    public override string Description => "ENR (EIP-778) decoding, binary, text and signed field sets";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(EnrException)];

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) throw new EnrException("empty input");
        var rest = input[1..];
        Enr enr;
        switch (input[0] % 3)
        {
            case 0:
                enr = Enr.Decode(rest);
                if (!enr.ToBytes().AsSpan().SequenceEqual(rest)) throw new InvariantViolation("ENR: re-encoding differs from the input");
                break;
            case 1:
                enr = Enr.Parse(System.Text.Encoding.UTF8.GetString(rest));
                break;
            default:
                var b = new EnrBuilder();
                for (int i = 0; i + 2 <= rest.Length;)
                {
                    int kl = rest[i] % 12, vl = rest[i + 1];
                    i += 2;
                    if (i + kl + vl > rest.Length) break;
                    string k = new(rest.Slice(i, kl).ToArray().Select(x => (char)(0x20 + x % 0x5f)).ToArray());
                    b.SetRaw(k, rest.Slice(i + kl, vl).ToArray());
                    i += kl + vl;
                }
                enr = Enr.Decode(b.Build(Key).ToBytes());
                break;
        }
        _ = (enr.Ip, enr.Ip6, enr.Tcp, enr.Udp, enr.Tcp6, enr.Udp6, enr.UdpEndPoint, enr.Eth2, enr.Attnets, enr.TcpMultiaddr, enr.PeerId, enr.ToText());
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        var enr = new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(9000).SetTcp(9000)
            .SetEth2(EnrForkId.Create([0xe7, 0xa7, 0x5d, 0x5a], [0, 0, 0, 1], ulong.MaxValue)).SetAttnets(0xff).Build(Key);
        yield return ("binary", [0, .. enr.ToBytes()]);
        yield return ("text", [1, .. System.Text.Encoding.UTF8.GetBytes(enr.ToText())]);
        yield return ("pairs", [2, 2, 5, .. "ip"u8.ToArray(), 0x84, 127, 0, 0, 1, 3, 3, .. "udp"u8.ToArray(), 0x82, 0x23, 0x28]);
        if (sources.Testnets is { } t)
            foreach (var net in new[] { "medalla", "zinken", "altona" })
            {
                string f = Path.Combine(t, net, "bootstrap_nodes.txt");
                if (!File.Exists(f)) continue;
                int n = 0;
                foreach (var line in File.ReadLines(f).Select(l => l.Trim()).Where(l => l.StartsWith("enr:", StringComparison.Ordinal)).Take(3))
                    yield return ($"{net}-{n++}", [1, .. System.Text.Encoding.UTF8.GetBytes(line)]);
            }
    }
}
