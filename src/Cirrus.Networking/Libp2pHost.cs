using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cirrus.Networking;

/// <summary>Settings of a <see cref="Libp2pHost"/>.</summary>
public sealed class Libp2pHostOptions
{
    /// <summary>The node's secp256k1 identity.</summary>
    public required Secp256k1Key Key { get; init; }
    public string AgentVersion { get; init; } = "cirrus/0.1.0";
    /// <summary>Muxers in order of preference (both are offered; yamux first).</summary>
    public IReadOnlyList<string> Muxers { get; init; } = [Yamux.Id, Mplex.Id];
    public int MaxConnections { get; init; } = 160;
    public int MaxInboundStreamsPerConnection { get; init; } = 256;
    /// <summary>TCP connect + multistream + Noise + muxer negotiation.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>multistream-select on a new stream.</summary>
    public TimeSpan NegotiationTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Run identify against every new peer (results in <see cref="Connection.Identify"/>).</summary>
    public bool IdentifyOnConnect { get; init; } = true;
}

/// <summary>
/// A libp2p host: TCP transport, multistream-select, Noise, yamux/mplex, identify and ping.
/// Register protocol handlers with <see cref="SetStreamHandler"/>, dial with <see cref="DialAsync"/>,
/// open streams with <see cref="NewStreamAsync(PeerId, IReadOnlyList{string}, CancellationToken)"/>.
/// Anything a remote does wrong closes its connection and raises <see cref="PeerMisbehaved"/>; nothing escapes.
/// </summary>
public sealed class Libp2pHost : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<MuxedStream, Task>> _handlers = new();
    private readonly List<Connection> _connections = new();
    private readonly List<TcpListener> _listeners = new();
    private readonly List<Multiaddr> _listenAddrs = new();
    private readonly CancellationTokenSource _stop = new();
    private int _pending;

    public Libp2pHost(Libp2pHostOptions options)
    {
        Options = options;
        SetStreamHandler(Identify.ProtocolId, s => Identify.RespondAsync(this, s, _stop.Token));
        SetStreamHandler(Identify.PushProtocolId, async s =>
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            cts.CancelAfter(TimeSpan.FromSeconds(10));
            var msg = await StreamIo.ReadLengthPrefixedAsync(s, Identify.MaxMessage, cts.Token).ConfigureAwait(false);
            if (s.Connection is not null) s.Connection.Identify = Identify.Decode(msg);
            await s.DisposeAsync().ConfigureAwait(false);
        });
        SetStreamHandler(PingProtocol.ProtocolId, s => PingProtocol.RespondAsync(s, _stop.Token));
    }

    public Libp2pHostOptions Options { get; }
    public Secp256k1Key Key => Options.Key;
    public PeerId PeerId => Options.Key.PeerId;

    /// <summary>Raised after a connection is established (before identify completes).</summary>
    public event Action<Connection>? Connected;
    /// <summary>Raised after a connection closed.</summary>
    public event Action<Connection>? Disconnected;
    /// <summary>Raised when a peer violated the protocol; the connection is already being closed. The reason is for logs.</summary>
    public event Action<PeerId?, string>? PeerMisbehaved;

    public IReadOnlyList<Multiaddr> ListenAddresses { get { lock (_listenAddrs) return _listenAddrs.ToArray(); } }
    public IReadOnlyList<string> Protocols => _handlers.Keys.ToArray();
    public IReadOnlyList<Connection> Connections { get { lock (_connections) return _connections.ToArray(); } }

    public IReadOnlyList<PeerId> ConnectedPeers
    {
        get
        {
            var set = new HashSet<PeerId>();
            lock (_connections) foreach (var c in _connections) set.Add(c.RemotePeer);
            return set.ToArray();
        }
    }

    public Connection? GetConnection(PeerId peer)
    {
        lock (_connections)
            foreach (var c in _connections)
                if (c.RemotePeer == peer && !c.IsClosed) return c;
        return null;
    }

    /// <summary>Registers the handler for inbound streams of <paramref name="protocol"/>. The handler owns the stream.</summary>
    public void SetStreamHandler(string protocol, Func<MuxedStream, Task> handler) => _handlers[protocol] = handler;
    public void RemoveStreamHandler(string protocol) => _handlers.TryRemove(protocol, out _);

    /// <summary>Listens on a /ip4|ip6/…/tcp/… address (port 0 picks one); returns the bound address with /p2p.</summary>
    public Multiaddr Listen(Multiaddr address)
    {
        if (!address.TryGetTcpEndpoint(out var host, out var port) || !IPAddress.TryParse(host, out var ip))
            throw new ArgumentException($"cannot listen on {address}");
        var l = new TcpListener(ip, port);
        l.Start(128);
        var bound = Multiaddr.FromEndPoint((IPEndPoint)l.LocalEndpoint);
        lock (_listenAddrs) { _listeners.Add(l); _listenAddrs.Add(bound); }
        _ = AcceptLoopAsync(l);
        return bound.WithPeerId(PeerId);
    }

    private async Task AcceptLoopAsync(TcpListener l)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket sock;
            try { sock = await l.AcceptSocketAsync(_stop.Token).ConfigureAwait(false); }
            catch (Exception) when (_stop.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(async () =>
            {
                try { await UpgradeAsync(sock, outbound: false, expected: null, _stop.Token).ConfigureAwait(false); }
                catch (Exception) { /* already reported and closed */ }
            });
        }
    }

    /// <summary>Dials a /ip4|ip6|dns/…/tcp/…[/p2p/…] address. Reuses an existing connection to the same peer id.</summary>
    public async Task<Connection> DialAsync(Multiaddr address, CancellationToken ct = default)
    {
        var expected = address.PeerId;
        if (expected is not null && GetConnection(expected) is { } existing) return existing;
        if (!address.TryGetTcpEndpoint(out var host, out var port)) throw new ArgumentException($"cannot dial {address}");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        cts.CancelAfter(Options.HandshakeTimeout);
        var sock = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await sock.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
        }
        catch
        {
            sock.Dispose();
            throw;
        }
        return await UpgradeAsync(sock, outbound: true, expected, ct).ConfigureAwait(false);
    }

    private async Task<Connection> UpgradeAsync(Socket sock, bool outbound, PeerId? expected, CancellationToken ct)
    {
        sock.NoDelay = true;
        var remoteAddr = Multiaddr.FromEndPoint((IPEndPoint)sock.RemoteEndPoint!);
        var localAddr = Multiaddr.FromEndPoint((IPEndPoint)sock.LocalEndPoint!);
        var ns = new NetworkStream(sock, ownsSocket: true);
        if (Interlocked.Increment(ref _pending) + Connections.Count > Options.MaxConnections)
        {
            Interlocked.Decrement(ref _pending);
            ns.Dispose();
            throw new P2pException("connection limit reached");
        }
        Muxer mux;
        PeerPublicKey remoteKey;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            cts.CancelAfter(Options.HandshakeTimeout);
            if (outbound) await Multistream.SelectAsync(ns, [NoiseHandshake.ProtocolId], cts.Token).ConfigureAwait(false);
            else await Multistream.HandleAsync(ns, p => p == NoiseHandshake.ProtocolId, () => [NoiseHandshake.ProtocolId], cts.Token).ConfigureAwait(false);
            var (secure, rk) = await NoiseHandshake.SecureAsync(ns, Key, outbound, expected, cts.Token).ConfigureAwait(false);
            remoteKey = rk;
            string muxId = outbound
                ? await Multistream.SelectAsync(secure, Options.Muxers, cts.Token).ConfigureAwait(false)
                : await Multistream.HandleAsync(secure, p => Options.Muxers.Contains(p), () => Options.Muxers, cts.Token).ConfigureAwait(false);
            mux = muxId == Yamux.Id ? new Yamux(secure, outbound) : new Mplex(secure, outbound);
            mux.MaxInboundStreams = Options.MaxInboundStreamsPerConnection;
        }
        catch (Exception e)
        {
            ns.Dispose();
            if (e is P2pException or IOException or OperationCanceledException or SocketException)
            {
                if (e is P2pException) ReportMisbehaviour(expected, "handshake: " + e.Message);
                throw e as P2pException ?? new P2pException("handshake failed: " + e.Message, e);
            }
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }

        var conn = new Connection(this, mux, remoteKey, remoteAddr, localAddr, outbound);
        mux.OnInboundStream = s => HandleInboundAsync(conn, s);
        lock (_connections) _connections.Add(conn);
        _ = Task.Run(() => RunConnectionAsync(conn));
        try { Connected?.Invoke(conn); } catch (Exception) { }
        if (Options.IdentifyOnConnect)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    cts.CancelAfter(TimeSpan.FromSeconds(10));
                    await Identify.RequestAsync(conn, cts.Token).ConfigureAwait(false);
                }
                catch (Exception) { }
            });
        }
        return conn;
    }

    private async Task RunConnectionAsync(Connection conn)
    {
        try
        {
            await conn.Mux.RunAsync().ConfigureAwait(false);
        }
        catch (P2pException e)
        {
            ReportMisbehaviour(conn.RemotePeer, e.Message);
        }
        catch (Exception) { /* socket errors, cancellation: plain disconnect */ }
        finally
        {
            lock (_connections) _connections.Remove(conn);
            await conn.DisposeAsync().ConfigureAwait(false);
            try { Disconnected?.Invoke(conn); } catch (Exception) { }
        }
    }

    private async Task HandleInboundAsync(Connection conn, MuxedStream s)
    {
        string proto;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            cts.CancelAfter(Options.NegotiationTimeout);
            proto = await Multistream.HandleAsync(s, _handlers.ContainsKey, () => _handlers.Keys, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (e is P2pException and not StreamResetException) ReportMisbehaviour(conn.RemotePeer, "stream negotiation: " + e.Message);
            s.Reset();
            return;
        }
        s.Protocol = proto;
        if (!_handlers.TryGetValue(proto, out var h)) { s.Reset(); return; }
        try { await h(s).ConfigureAwait(false); }
        catch (Exception e)
        {
            if (e is P2pException and not StreamResetException) ReportMisbehaviour(conn.RemotePeer, $"{proto}: {e.Message}");
            s.Reset();
        }
    }

    /// <summary>Raises <see cref="PeerMisbehaved"/> for a violation found above the transport (e.g. a malformed request).</summary>
    public void ReportMisbehaviour(PeerId? peer, string reason)
    {
        try { PeerMisbehaved?.Invoke(peer, reason); } catch (Exception) { }
    }

    /// <summary>Opens a stream to a connected peer, negotiating the first supported protocol of <paramref name="protocols"/>.</summary>
    public Task<MuxedStream> NewStreamAsync(PeerId peer, IReadOnlyList<string> protocols, CancellationToken ct = default)
    {
        var c = GetConnection(peer) ?? throw new P2pException($"not connected to {peer}");
        return c.OpenStreamAsync(protocols, ct);
    }

    public Task<MuxedStream> NewStreamAsync(PeerId peer, string protocol, CancellationToken ct = default) => NewStreamAsync(peer, [protocol], ct);

    /// <summary>Round-trip time of one <c>/ipfs/ping/1.0.0</c> exchange.</summary>
    public Task<TimeSpan> PingAsync(PeerId peer, CancellationToken ct = default)
        => PingProtocol.RequestAsync(GetConnection(peer) ?? throw new P2pException($"not connected to {peer}"), ct);

    /// <summary>Runs identify against a connected peer.</summary>
    public Task<IdentifyInfo> IdentifyAsync(PeerId peer, CancellationToken ct = default)
        => Identify.RequestAsync(GetConnection(peer) ?? throw new P2pException($"not connected to {peer}"), ct);

    /// <summary>Closes every connection to <paramref name="peer"/>.</summary>
    public async Task DisconnectAsync(PeerId peer)
    {
        foreach (var c in Connections)
            if (c.RemotePeer == peer) await c.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        lock (_listenAddrs) foreach (var l in _listeners) l.Stop();
        foreach (var c in Connections) await c.DisposeAsync().ConfigureAwait(false);
    }
}
