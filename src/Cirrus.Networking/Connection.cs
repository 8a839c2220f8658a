namespace Cirrus.Networking;

/// <summary>One secured, multiplexed connection to a remote peer (TCP + Noise + yamux/mplex).</summary>
public sealed class Connection : IAsyncDisposable
{
    private readonly Libp2pHost _host;
    internal readonly Muxer Mux;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Connection(Libp2pHost host, Muxer mux, PeerPublicKey remoteKey, Multiaddr remoteAddress, Multiaddr localAddress, bool outbound)
    {
        _host = host;
        Mux = mux;
        RemoteKey = remoteKey;
        RemotePeer = remoteKey.ToPeerId();
        RemoteAddress = remoteAddress;
        LocalAddress = localAddress;
        IsOutbound = outbound;
        mux.Connection = this;
    }

    public PeerId RemotePeer { get; }
    public PeerPublicKey RemoteKey { get; }
    public Multiaddr RemoteAddress { get; }
    public Multiaddr LocalAddress { get; }
    /// <summary>True when we dialed.</summary>
    public bool IsOutbound { get; }
    /// <summary>The negotiated muxer protocol id (<c>/yamux/1.0.0</c> or <c>/mplex/6.7.0</c>).</summary>
    public string Muxer => Mux.ProtocolId;
    /// <summary>What the remote told us via identify, once it ran.</summary>
    public IdentifyInfo? Identify { get; internal set; }
    // the identify request in flight, shared by concurrent callers (see Identify.RequestAsync)
    internal readonly object IdentifyGate = new();
    internal Task<IdentifyInfo>? IdentifyInFlight;
    public int StreamCount => Mux.StreamCount;
    public bool IsClosed => Mux.IsClosed;
    /// <summary>Completes when the connection has closed.</summary>
    public Task Closed => _closed.Task;

    internal void MarkClosed() => _closed.TrySetResult();

    /// <summary>Opens a stream and negotiates the first protocol of <paramref name="protocols"/> the remote supports.</summary>
    public async Task<MuxedStream> OpenStreamAsync(IReadOnlyList<string> protocols, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_host.Options.NegotiationTimeout);
        var s = await Mux.OpenStreamAsync(cts.Token).ConfigureAwait(false);
        try
        {
            s.Protocol = await Multistream.SelectAsync(s, protocols, cts.Token).ConfigureAwait(false);
            return s;
        }
        catch
        {
            s.Reset();
            throw;
        }
    }

    /// <summary>A yamux-level ping (keep-alive round trip); null on mplex, which has none.</summary>
    public async Task<TimeSpan?> MuxerPingAsync(CancellationToken ct = default)
        => Mux is Yamux y ? await y.PingAsync(ct).ConfigureAwait(false) : null;

    public Task<MuxedStream> OpenStreamAsync(string protocol, CancellationToken ct = default) => OpenStreamAsync([protocol], ct);

    public async ValueTask DisposeAsync()
    {
        await Mux.DisposeAsync().ConfigureAwait(false);
        MarkClosed();
    }

    public override string ToString() => $"{(IsOutbound ? "->" : "<-")}{RemotePeer}@{RemoteAddress} ({Muxer})";
}
