namespace Cirrus.Networking;

/// <summary>What a peer reports about itself via <c>/ipfs/id/1.0.0</c>.</summary>
public sealed record IdentifyInfo(
    PeerPublicKey? PublicKey,
    IReadOnlyList<Multiaddr> ListenAddresses,
    IReadOnlyList<string> Protocols,
    Multiaddr? ObservedAddress,
    string ProtocolVersion,
    string AgentVersion);

/// <summary>identify <c>/ipfs/id/1.0.0</c> (and push): message encoding and the two sides of the exchange.</summary>
public static class Identify
{
    public const string ProtocolId = "/ipfs/id/1.0.0";
    public const string PushProtocolId = "/ipfs/id/push/1.0.0";
    public const int MaxMessage = 64 * 1024;

    public static byte[] Encode(IdentifyInfo info)
    {
        var w = new ProtoWriter(256);
        if (info.PublicKey is not null) w.Bytes(1, info.PublicKey.Marshal());
        foreach (var a in info.ListenAddresses) w.Bytes(2, a.ToBytes());
        foreach (var p in info.Protocols) w.String(3, p);
        if (info.ObservedAddress is not null) w.Bytes(4, info.ObservedAddress.ToBytes());
        w.String(5, info.ProtocolVersion);
        w.String(6, info.AgentVersion);
        return w.ToArray();
    }

    /// <summary>Decodes an identify message; unparseable addresses are skipped, malformed protobuf throws <see cref="P2pException"/>.</summary>
    public static IdentifyInfo Decode(ReadOnlySpan<byte> msg)
    {
        PeerPublicKey? pk = null;
        var addrs = new List<Multiaddr>();
        var protos = new List<string>();
        Multiaddr? observed = null;
        string pv = "", av = "";
        var r = new ProtoReader(msg);
        while (r.Next(out var f))
        {
            switch (f.Number)
            {
                case 1: pk = PeerPublicKey.Unmarshal(f.Data); break;
                case 2: try { addrs.Add(Multiaddr.FromBytes(f.Data)); } catch (P2pException) { } break;
                case 3: if (protos.Count < 256) protos.Add(f.AsString()); break;
                case 4: try { observed = Multiaddr.FromBytes(f.Data); } catch (P2pException) { } break;
                case 5: pv = f.AsString(); break;
                case 6: av = f.AsString(); break;
            }
        }
        return new IdentifyInfo(pk, addrs, protos, observed, pv, av);
    }

    internal static async Task RespondAsync(Libp2pHost host, MuxedStream s, CancellationToken ct)
    {
        var info = new IdentifyInfo(host.Key.PeerPublicKey, host.ListenAddresses, host.Protocols,
            s.Connection?.RemoteAddress, "ipfs/0.1.0", host.Options.AgentVersion);
        await StreamIo.WriteLengthPrefixedAsync(s, Encode(info), ct).ConfigureAwait(false);
        await s.CloseWriteAsync().ConfigureAwait(false);
    }

    /// <summary>Asks the remote for its identify record. Peers accept one identify stream per connection at a time
    /// (js-libp2p resets a second), so a request made while another is in flight shares that one.</summary>
    internal static async Task<IdentifyInfo> RequestAsync(Connection c, CancellationToken ct)
    {
        while (true)
        {
            Task<IdentifyInfo> t;
            bool mine;
            lock (c.IdentifyGate)
            {
                mine = c.IdentifyInFlight is not { IsCompleted: false };
                if (mine) c.IdentifyInFlight = RequestOnceAsync(c, ct);
                t = c.IdentifyInFlight!;
            }
            if (mine) return await t.ConfigureAwait(false);
            // the shared request runs under its starter's token: if the starter gave up, ask again ourselves
            try { return await t.WaitAsync(ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        }
    }

    private static async Task<IdentifyInfo> RequestOnceAsync(Connection c, CancellationToken ct)
    {
        var s = await c.OpenStreamAsync(ProtocolId, ct).ConfigureAwait(false);
        await using (s.ConfigureAwait(false))
        {
            var msg = await StreamIo.ReadLengthPrefixedAsync(s, MaxMessage, ct).ConfigureAwait(false);
            var info = Decode(msg);
            if (info.PublicKey is not null && !c.RemotePeer.Matches(info.PublicKey))
                throw new P2pException("identify: public key does not match the connection's peer");
            c.Identify = info;
            return info;
        }
    }
}

/// <summary>ping <c>/ipfs/ping/1.0.0</c>: 32 random bytes echoed back.</summary>
public static class PingProtocol
{
    public const string ProtocolId = "/ipfs/ping/1.0.0";

    internal static async Task RespondAsync(MuxedStream s, CancellationToken ct)
    {
        var buf = new byte[32];
        while (true)
        {
            int got = 0;
            while (got < 32)
            {
                int n = await s.ReadAsync(buf.AsMemory(got), ct).ConfigureAwait(false);
                if (n == 0) { await s.CloseWriteAsync().ConfigureAwait(false); return; }
                got += n;
            }
            await s.WriteAsync(buf, ct).ConfigureAwait(false);
        }
    }

    internal static async Task<TimeSpan> RequestAsync(Connection c, CancellationToken ct)
    {
        var s = await c.OpenStreamAsync(ProtocolId, ct).ConfigureAwait(false);
        await using (s.ConfigureAwait(false))
        {
            var payload = new byte[32];
            System.Security.Cryptography.RandomNumberGenerator.Fill(payload);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            await s.WriteAsync(payload, ct).ConfigureAwait(false);
            var echo = new byte[32];
            await StreamIo.ReadExactlyAsync(s, echo, ct).ConfigureAwait(false);
            var rtt = sw.Elapsed;
            if (!echo.AsSpan().SequenceEqual(payload)) throw new P2pException("ping: wrong echo");
            return rtt;
        }
    }
}
