using System.Net;
using System.Net.Sockets;

namespace Cirrus.Networking;

/// <summary>
/// A multiaddr restricted to what eth2 needs: <c>/ip4|/ip6|/dns|/dns4|/dns6</c>, <c>/tcp</c>, <c>/udp</c>, <c>/p2p</c>.
/// Parses and formats both the text and the binary forms.
/// </summary>
public sealed class Multiaddr : IEquatable<Multiaddr>
{
    public const int Ip4 = 0x04, Tcp = 0x06, Udp = 0x0111, Ip6 = 0x29, Dns = 0x35, Dns4 = 0x36, Dns6 = 0x37, P2p = 0x01a5;

    /// <summary>(protocol code, value) components; value is an IPAddress, int port, string host or PeerId.</summary>
    public IReadOnlyList<(int Code, object Value)> Components { get; }

    private Multiaddr(List<(int, object)> parts) => Components = parts;

    public static Multiaddr Parse(string text)
    {
        if (string.IsNullOrEmpty(text) || text[0] != '/') throw new FormatException($"multiaddr must start with '/': '{text}'");
        var segs = text.Split('/');
        var parts = new List<(int, object)>();
        int i = 1;
        while (i < segs.Length)
        {
            string name = segs[i++];
            if (name.Length == 0 && i == segs.Length) break; // trailing slash
            if (i >= segs.Length) throw new FormatException($"multiaddr '{text}': '{name}' needs a value");
            string v = segs[i++];
            switch (name)
            {
                case "ip4":
                    if (!IPAddress.TryParse(v, out var a4) || a4.AddressFamily != AddressFamily.InterNetwork) throw new FormatException($"bad ip4 '{v}'");
                    parts.Add((Ip4, a4)); break;
                case "ip6":
                    if (!IPAddress.TryParse(v, out var a6) || a6.AddressFamily != AddressFamily.InterNetworkV6) throw new FormatException($"bad ip6 '{v}'");
                    parts.Add((Ip6, a6)); break;
                case "tcp":
                case "udp":
                    if (!ushort.TryParse(v, out var port)) throw new FormatException($"bad port '{v}'");
                    parts.Add((name == "tcp" ? Tcp : Udp, (int)port)); break;
                case "dns": parts.Add((Dns, v)); break;
                case "dns4": parts.Add((Dns4, v)); break;
                case "dns6": parts.Add((Dns6, v)); break;
                case "p2p":
                case "ipfs":
                    parts.Add((P2p, PeerId.Parse(v))); break;
                default: throw new FormatException($"unsupported multiaddr protocol '{name}'");
            }
        }
        if (parts.Count == 0) throw new FormatException("empty multiaddr");
        return new Multiaddr(parts);
    }

    public static bool TryParse(string text, out Multiaddr? addr)
    {
        try { addr = Parse(text); return true; }
        catch (FormatException) { addr = null; return false; }
    }

    public static Multiaddr FromEndPoint(IPEndPoint ep, PeerId? peer = null)
    {
        var parts = new List<(int, object)>
        {
            (ep.AddressFamily == AddressFamily.InterNetworkV6 ? Ip6 : Ip4, ep.Address),
            (Tcp, ep.Port),
        };
        if (peer is not null) parts.Add((P2p, peer));
        return new Multiaddr(parts);
    }

    public static Multiaddr FromBytes(ReadOnlySpan<byte> b)
    {
        if (b.Length > 1024) throw new P2pException("multiaddr too long");
        var parts = new List<(int, object)>();
        int pos = 0;
        while (pos < b.Length)
        {
            ulong code = Varint.Read(b[pos..], out int n);
            pos += n;
            switch (code)
            {
                case Ip4:
                    if (b.Length - pos < 4) throw new P2pException("truncated ip4");
                    parts.Add((Ip4, new IPAddress(b.Slice(pos, 4)))); pos += 4; break;
                case Ip6:
                    if (b.Length - pos < 16) throw new P2pException("truncated ip6");
                    parts.Add((Ip6, new IPAddress(b.Slice(pos, 16)))); pos += 16; break;
                case Tcp:
                case Udp:
                    if (b.Length - pos < 2) throw new P2pException("truncated port");
                    parts.Add(((int)code, (int)(b[pos] << 8 | b[pos + 1]))); pos += 2; break;
                case Dns: case Dns4: case Dns6:
                case P2p:
                    {
                        ulong len = Varint.Read(b[pos..], out n);
                        pos += n;
                        if (len > (ulong)(b.Length - pos)) throw new P2pException("truncated multiaddr value");
                        var v = b.Slice(pos, (int)len);
                        pos += (int)len;
                        if (code == P2p) parts.Add((P2p, PeerId.FromBytes(v)));
                        else parts.Add(((int)code, System.Text.Encoding.UTF8.GetString(v)));
                        break;
                    }
                default: throw new P2pException($"unsupported multiaddr code {code}");
            }
        }
        return new Multiaddr(parts);
    }

    public byte[] ToBytes()
    {
        var ms = new MemoryStream();
        Span<byte> tmp = stackalloc byte[10];
        foreach (var (code, value) in Components)
        {
            ms.Write(tmp[..Varint.Write(tmp, (ulong)code)]);
            switch (value)
            {
                case IPAddress ip: ms.Write(ip.GetAddressBytes()); break;
                case int port: ms.WriteByte((byte)(port >> 8)); ms.WriteByte((byte)port); break;
                case string host:
                    var hb = System.Text.Encoding.UTF8.GetBytes(host);
                    ms.Write(tmp[..Varint.Write(tmp, (ulong)hb.Length)]); ms.Write(hb); break;
                case PeerId pid:
                    ms.Write(tmp[..Varint.Write(tmp, (ulong)pid.Bytes.Length)]); ms.Write(pid.Bytes); break;
            }
        }
        return ms.ToArray();
    }

    /// <summary>The /p2p component, if any.</summary>
    public PeerId? PeerId
    {
        get
        {
            foreach (var (c, v) in Components) if (c == P2p) return (PeerId)v;
            return null;
        }
    }

    /// <summary>Host (IP text or DNS name) and TCP port, for dialing.</summary>
    public bool TryGetTcpEndpoint(out string host, out int port)
    {
        host = ""; port = 0;
        bool hasHost = false, hasPort = false;
        foreach (var (c, v) in Components)
        {
            if (c is Ip4 or Ip6) { host = ((IPAddress)v).ToString(); hasHost = true; }
            else if (c is Dns or Dns4 or Dns6) { host = (string)v; hasHost = true; }
            else if (c == Tcp) { port = (int)v; hasPort = true; }
        }
        return hasHost && hasPort;
    }

    /// <summary>This address with a /p2p component appended (or replaced).</summary>
    public Multiaddr WithPeerId(PeerId id)
    {
        var parts = new List<(int, object)>();
        foreach (var p in Components) if (p.Code != P2p) parts.Add(p);
        parts.Add((P2p, id));
        return new Multiaddr(parts);
    }

    public override string ToString()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var (c, v) in Components)
        {
            sb.Append(c switch
            {
                Ip4 => "/ip4/", Ip6 => "/ip6/", Tcp => "/tcp/", Udp => "/udp/", Dns => "/dns/", Dns4 => "/dns4/", Dns6 => "/dns6/", _ => "/p2p/",
            });
            sb.Append(v.ToString());
        }
        return sb.ToString();
    }

    public bool Equals(Multiaddr? other) => other is not null && other.ToString() == ToString();
    public override bool Equals(object? obj) => obj is Multiaddr m && Equals(m);
    public override int GetHashCode() => ToString().GetHashCode();
}
