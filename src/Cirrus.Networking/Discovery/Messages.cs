using System.Net;
using System.Net.Sockets;

namespace Cirrus.Networking.Discovery;

/// <summary>discv5.1 protocol messages: message-pt = message-type ‖ rlp(message-data).</summary>
public abstract record Discv5Message(byte[] RequestId)
{
    public const int MaxRequestIdLength = 8;
    public abstract byte Type { get; }
    protected abstract IReadOnlyList<byte[]> EncodeFields();

    public byte[] Encode()
    {
        var fields = new List<byte[]> { Rlp.EncodeBytes(RequestId) };
        fields.AddRange(EncodeFields());
        var rlp = Rlp.EncodeList(fields);
        var result = new byte[1 + rlp.Length];
        result[0] = Type;
        rlp.CopyTo(result, 1);
        return result;
    }

    /// <summary>Decodes a message plaintext; throws only <see cref="Discv5Exception"/>.</summary>
    public static Discv5Message Decode(ReadOnlySpan<byte> pt)
    {
        if (pt.Length < 2) throw new Discv5Exception("message too short");
        try
        {
            var outer = new RlpReader(pt[1..]);
            var r = outer.ReadList();
            outer.EnsureEnd();
            var reqId = r.ReadBytes().ToArray();
            if (reqId.Length > MaxRequestIdLength) throw new Discv5Exception("request id too long");
            switch (pt[0])
            {
                case 0x01: return new Ping(reqId, r.ReadUInt64());
                case 0x02:
                {
                    var seq = r.ReadUInt64();
                    var ip = r.ReadBytes();
                    if (ip.Length != 4 && ip.Length != 16) throw new Discv5Exception("bad ip length");
                    var port = r.ReadUInt64();
                    if (port > 65535) throw new Discv5Exception("bad port");
                    return new Pong(reqId, seq, new IPAddress(ip), (int)port);
                }
                case 0x03:
                {
                    var list = r.ReadList();
                    var distances = new List<int>();
                    while (list.HasMore)
                    {
                        var d = list.ReadUInt64();
                        if (d > 256) throw new Discv5Exception("distance out of range");
                        if (distances.Count >= 256) throw new Discv5Exception("too many distances");
                        distances.Add((int)d);
                    }
                    return new FindNode(reqId, distances.ToArray());
                }
                case 0x04:
                {
                    var total = r.ReadUInt64();
                    var list = r.ReadList();
                    var enrs = new List<byte[]>();
                    while (list.HasMore) enrs.Add(list.ReadRawItem().ToArray());
                    return new Nodes(reqId, (int)Math.Min(total, int.MaxValue), enrs);
                }
                case 0x05: return new TalkReq(reqId, r.ReadBytes().ToArray(), r.ReadBytes().ToArray());
                case 0x06: return new TalkResp(reqId, r.ReadBytes().ToArray());
                default: throw new Discv5Exception($"unknown message type {pt[0]}");
            }
        }
        catch (RlpException e) { throw new Discv5Exception("malformed message: " + e.Message); }
    }
}

public sealed record Ping(byte[] RequestId, ulong EnrSeq) : Discv5Message(RequestId)
{
    public override byte Type => 0x01;
    protected override IReadOnlyList<byte[]> EncodeFields() => [Rlp.EncodeUInt(EnrSeq)];
}

public sealed record Pong(byte[] RequestId, ulong EnrSeq, IPAddress RecipientIp, int RecipientPort) : Discv5Message(RequestId)
{
    public override byte Type => 0x02;
    protected override IReadOnlyList<byte[]> EncodeFields()
    {
        var ip = RecipientIp.IsIPv4MappedToIPv6 ? RecipientIp.MapToIPv4() : RecipientIp;
        return [Rlp.EncodeUInt(EnrSeq), Rlp.EncodeBytes(ip.GetAddressBytes()), Rlp.EncodeUInt((ulong)RecipientPort)];
    }
}

public sealed record FindNode(byte[] RequestId, int[] Distances) : Discv5Message(RequestId)
{
    public override byte Type => 0x03;
    protected override IReadOnlyList<byte[]> EncodeFields()
        => [Rlp.EncodeList(Distances.Select(d => Rlp.EncodeUInt((ulong)d)).ToArray())];
}

/// <summary>NODES; <see cref="Enrs"/> holds each record's raw RLP (validated by the receiver one by one).</summary>
public sealed record Nodes(byte[] RequestId, int Total, IReadOnlyList<byte[]> Enrs) : Discv5Message(RequestId)
{
    public override byte Type => 0x04;
    protected override IReadOnlyList<byte[]> EncodeFields() => [Rlp.EncodeUInt((ulong)Total), Rlp.EncodeList(Enrs)];
}

public sealed record TalkReq(byte[] RequestId, byte[] Protocol, byte[] Request) : Discv5Message(RequestId)
{
    public override byte Type => 0x05;
    protected override IReadOnlyList<byte[]> EncodeFields() => [Rlp.EncodeBytes(Protocol), Rlp.EncodeBytes(Request)];
}

public sealed record TalkResp(byte[] RequestId, byte[] Response) : Discv5Message(RequestId)
{
    public override byte Type => 0x06;
    protected override IReadOnlyList<byte[]> EncodeFields() => [Rlp.EncodeBytes(Response)];
}
