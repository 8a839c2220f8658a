using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cirrus.Networking.Discovery;

/// <summary>Thrown for an invalid ENR (bad RLP, bad signature, unknown scheme, too large). The only exception ENR decoding throws.</summary>
public sealed class EnrException(string message) : Exception(message);

/// <summary>
/// An Ethereum Node Record (EIP-778), identity scheme "v4". Immutable; build one with <see cref="EnrBuilder"/>.
/// Values are kept as their raw RLP encodings so records round-trip exactly.
/// </summary>
public sealed class Enr
{
    public const int MaxSize = 300;

    private readonly SortedDictionary<string, byte[]> _pairs; // key -> raw RLP item
    private readonly byte[] _encoded;
    private PeerId? _peerId;

    public ulong Seq { get; }
    public byte[] Signature { get; }
    public byte[] PublicKey { get; }    // compressed secp256k1, 33 bytes
    public byte[] NodeId { get; }
    public string NodeIdHex { get; }

    private Enr(ulong seq, byte[] signature, SortedDictionary<string, byte[]> pairs, byte[] encoded, byte[] publicKey)
    {
        Seq = seq; Signature = signature; _pairs = pairs; _encoded = encoded; PublicKey = publicKey;
        NodeId = Secp256k1Key.NodeIdFromPublicKey(publicKey);
        NodeIdHex = Convert.ToHexStringLower(NodeId);
    }

    public IReadOnlyDictionary<string, byte[]> RawPairs => _pairs;
    public ReadOnlySpan<byte> Encoded => _encoded;
    public byte[] ToBytes() => (byte[])_encoded.Clone();

    // ---- text form ---------------------------------------------------------------------------

    public string ToText() => "enr:" + System.Buffers.Text.Base64Url.EncodeToString(_encoded);
    public override string ToString() => ToText();

    public static Enr Parse(string text)
    {
        if (text is null) throw new EnrException("null ENR");
        text = text.Trim();
        if (!text.StartsWith("enr:", StringComparison.Ordinal)) throw new EnrException("ENR text must start with 'enr:'");
        var body = text.AsSpan(4);
        if (body.Length > MaxSize * 4 / 3 + 4) throw new EnrException("ENR too large");
        foreach (var c in body)
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')) throw new EnrException("invalid base64url character");
        byte[] raw;
        try { raw = System.Buffers.Text.Base64Url.DecodeFromChars(body); }
        catch (FormatException) { throw new EnrException("invalid base64url"); }
        return Decode(raw);
    }

    public static bool TryParse(string text, out Enr? enr)
    {
        try { enr = Parse(text); return true; }
        catch (EnrException) { enr = null; return false; }
    }

    // ---- binary form -------------------------------------------------------------------------

    public static Enr Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.Length > MaxSize) throw new EnrException($"ENR is {raw.Length} bytes, limit is {MaxSize}");
        try
        {
            var outer = new RlpReader(raw);
            var list = outer.ReadList();
            outer.EnsureEnd();
            var sig = list.ReadBytes().ToArray();
            var seqBytes = list.ReadBytes();
            ulong seq = Rlp.ToUInt64(seqBytes);
            var pairs = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
            string? prev = null;
            while (list.HasMore)
            {
                var keyBytes = list.ReadBytes();
                if (!list.HasMore) throw new EnrException("key without value");
                var value = list.ReadRawItem().ToArray();
                foreach (var b in keyBytes) if (b < 0x20 || b > 0x7e) throw new EnrException("non-printable key");
                var key = Encoding.ASCII.GetString(keyBytes);
                if (prev is not null && string.CompareOrdinal(prev, key) >= 0) throw new EnrException("keys not sorted or duplicated");
                prev = key;
                pairs[key] = value;
            }
            if (!pairs.TryGetValue("id", out var idRaw) || !RawEquals(idRaw, "v4")) throw new EnrException("unsupported identity scheme");
            if (!pairs.TryGetValue("secp256k1", out var pkRaw)) throw new EnrException("missing secp256k1 key");
            var pk = DecodeBytesValue(pkRaw);
            if (pk.Length != 33 || !Secp256k1Key.IsValidPublicKey(pk)) throw new EnrException("invalid secp256k1 key");
            if (sig.Length != 64) throw new EnrException("signature must be 64 bytes");
            var content = ContentRlp(seqBytes, pairs);
            var hash = DiscoveryHash.Keccak256(content);
            if (!Secp256k1Key.Verify(pk, hash, sig)) throw new EnrException("invalid signature");
            return new Enr(seq, sig, pairs, raw.ToArray(), pk);
        }
        catch (RlpException e) { throw new EnrException("malformed RLP: " + e.Message); }
    }

    private static byte[] ContentRlp(ReadOnlySpan<byte> seqBytes, SortedDictionary<string, byte[]> pairs)
    {
        var items = new List<byte[]>(1 + pairs.Count * 2) { Rlp.EncodeBytes(seqBytes) };
        foreach (var (k, v) in pairs) { items.Add(Rlp.EncodeString(k)); items.Add(v); }
        return Rlp.EncodeList(items);
    }

    internal static Enr CreateSigned(Secp256k1Key key, ulong seq, SortedDictionary<string, byte[]> pairs)
    {
        var content = new List<byte[]> { Rlp.EncodeUInt(seq) };
        foreach (var (k, v) in pairs) { content.Add(Rlp.EncodeString(k)); content.Add(v); }
        var sig = key.SignHash(DiscoveryHash.Keccak256(Rlp.EncodeList(content)));
        var full = new List<byte[]>(content.Count + 1) { Rlp.EncodeBytes(sig) };
        full.AddRange(content);
        var encoded = Rlp.EncodeList(full);
        if (encoded.Length > MaxSize) throw new EnrException($"ENR would be {encoded.Length} bytes, limit is {MaxSize}");
        return new Enr(seq, sig, pairs, encoded, key.PublicKey);
    }

    private static bool RawEquals(byte[] raw, string ascii)
    {
        try { return Encoding.ASCII.GetString(DecodeBytesValue(raw)) == ascii; }
        catch (EnrException) { return false; }
    }

    private static byte[] DecodeBytesValue(byte[] raw)
    {
        try
        {
            var r = new RlpReader(raw);
            var v = r.ReadBytes().ToArray();
            r.EnsureEnd();
            return v;
        }
        catch (RlpException) { throw new EnrException("value is not a byte string"); }
    }

    // ---- field accessors ---------------------------------------------------------------------

    /// <summary>Byte-string value of a key, or null when absent or not a byte string.</summary>
    public byte[]? Get(string key)
    {
        if (!_pairs.TryGetValue(key, out var raw)) return null;
        try { return DecodeBytesValue(raw); } catch (EnrException) { return null; }
    }

    public string? Id => Get("id") is { } b ? Encoding.ASCII.GetString(b) : null;

    public IPAddress? Ip => Get("ip") is { Length: 4 } b ? new IPAddress(b) : null;
    public IPAddress? Ip6 => Get("ip6") is { Length: 16 } b ? new IPAddress(b) : null;
    public int? Tcp => Port("tcp");
    public int? Udp => Port("udp");
    public int? Tcp6 => Port("tcp6");
    public int? Udp6 => Port("udp6");

    private int? Port(string key)
    {
        var b = Get(key);
        if (b is null || b.Length > 2 || (b.Length > 0 && b[0] == 0)) return null;
        int v = 0;
        foreach (var x in b) v = (v << 8) | x;
        return v;
    }

    /// <summary>The UDP endpoint for discovery (IPv4 preferred), or null.</summary>
    public IPEndPoint? UdpEndPoint
    {
        get
        {
            if (Ip is { } ip && Udp is { } udp && udp != 0) return new IPEndPoint(ip, udp);
            if (Ip6 is { } ip6 && (Udp6 ?? Udp) is { } udp6 && udp6 != 0) return new IPEndPoint(ip6, udp6);
            return null;
        }
    }

    public EnrForkId? Eth2 => Get("eth2") is { } b && EnrForkId.TryDecode(b, out var f) ? f : null;

    /// <summary>The <c>attnets</c> bitvector (SSZ Bitvector[64]) as a 64-bit mask (bit i = subnet i), or null.</summary>
    public ulong? Attnets => Get("attnets") is { Length: 8 } b ? BinaryPrimitives.ReadUInt64LittleEndian(b) : null;

    public bool HasAttnet(int subnet) => subnet is >= 0 and < 64 && Attnets is { } a && ((a >> subnet) & 1) != 0;

    // ---- libp2p ------------------------------------------------------------------------------

    /// <summary>The libp2p peer id of the record's key (the same as <see cref="Secp256k1Key.PeerId"/> of the signer).</summary>
    public PeerId PeerId => _peerId ??= PeerId.FromSecp256k1(PublicKey);

    /// <summary>/ip4/a.b.c.d/tcp/port/p2p/peerid (or ip6), or null without ip and tcp.</summary>
    public string? TcpMultiaddr
    {
        get
        {
            if (Ip is { } ip && Tcp is { } tcp) return $"/ip4/{ip}/tcp/{tcp}/p2p/{PeerId}";
            if (Ip6 is { } ip6 && (Tcp6 ?? Tcp) is { } tcp6) return $"/ip6/{ip6}/tcp/{tcp6}/p2p/{PeerId}";
            return null;
        }
    }

    public EnrBuilder ToBuilder() => new(this);
}

/// <summary>Builds and signs ENRs. Starting from an existing record keeps its pairs and bumps its sequence.</summary>
public sealed class EnrBuilder
{
    private readonly SortedDictionary<string, byte[]> _pairs = new(StringComparer.Ordinal);
    public ulong Seq { get; set; } = 1;

    public EnrBuilder() { }

    internal EnrBuilder(Enr source)
    {
        foreach (var (k, v) in source.RawPairs) _pairs[k] = v;
        Seq = source.Seq + 1;
    }

    public EnrBuilder SetRaw(string key, byte[] rawRlpItem) { _pairs[key] = rawRlpItem; return this; }
    public EnrBuilder Set(string key, ReadOnlySpan<byte> value) { _pairs[key] = Rlp.EncodeBytes(value); return this; }
    public EnrBuilder Remove(string key) { _pairs.Remove(key); return this; }

    public EnrBuilder SetIp(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork) Set("ip", ip.GetAddressBytes());
        else Set("ip6", ip.GetAddressBytes());
        return this;
    }

    public EnrBuilder SetUdp(int port) { _pairs["udp"] = Rlp.EncodeUInt((ulong)port); return this; }
    public EnrBuilder SetTcp(int port) { _pairs["tcp"] = Rlp.EncodeUInt((ulong)port); return this; }
    public EnrBuilder SetEth2(EnrForkId forkId) => Set("eth2", forkId.Encode());

    public EnrBuilder SetAttnets(ulong mask)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, mask);
        return Set("attnets", b);
    }

    public Enr Build(Secp256k1Key key)
    {
        var pairs = new SortedDictionary<string, byte[]>(_pairs, StringComparer.Ordinal)
        {
            ["id"] = Rlp.EncodeString("v4"),
            ["secp256k1"] = Rlp.EncodeBytes(key.PublicKey),
        };
        return Enr.CreateSigned(key, Seq, pairs);
    }
}
