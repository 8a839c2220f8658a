using System.Buffers.Binary;

namespace Cirrus.Networking;

/// <summary>yamux <c>/yamux/1.0.0</c>: 12-byte headers, per-stream flow-control windows (256 KiB), ping, go-away.</summary>
internal sealed class Yamux : Muxer, IStreamSink
{
    public const string Id = "/yamux/1.0.0";
    public const uint InitialWindow = 256 * 1024;
    private const byte TData = 0, TWindow = 1, TPing = 2, TGoAway = 3;
    private const ushort Syn = 1, Ack = 2, Fin = 4, Rst = 8;
    public const int MaxFrameData = 64 * 1024;

    private sealed class State
    {
        public long SendWindow = InitialWindow;
        public uint RecvWindow = InitialWindow; // how much the remote may still send
        public int Consumed;
        public bool SynSent, AckSent;
        public TaskCompletionSource? WindowWaiter;
    }

    private readonly Dictionary<uint, MuxedStream> _streams = new();
    private uint _nextId;
    private int _inboundCount;
    private readonly Dictionary<uint, TaskCompletionSource<TimeSpan>> _pings = new();
    private uint _nextPing;

    public Yamux(Stream secure, bool initiator) : base(secure, initiator) => _nextId = initiator ? 1u : 2u;

    public override string ProtocolId => Id;
    public override int StreamCount { get { lock (_streams) return _streams.Count; } }

    private static byte[] Header(byte type, ushort flags, uint id, uint length, int extra = 0)
    {
        var h = new byte[12 + extra];
        h[0] = 0; h[1] = type;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), flags);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), id);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(8), length);
        return h;
    }

    private static State St(MuxedStream s) => (State)s.Tag!;

    private ushort TakeFlags(MuxedStream s)
    {
        var st = St(s);
        ushort f = 0;
        lock (st)
        {
            if (s.IsInitiator && !st.SynSent) { st.SynSent = true; f |= Syn; }
            if (!s.IsInitiator && !st.AckSent) { st.AckSent = true; f |= Ack; }
        }
        return f;
    }

    public override async Task<MuxedStream> OpenStreamAsync(CancellationToken ct)
    {
        if (IsClosed) throw new P2pException("connection closed");
        MuxedStream s;
        lock (_streams)
        {
            uint id = _nextId;
            _nextId += 2;
            s = new MuxedStream(this, id, true, Connection) { Tag = new State() };
            _streams[id] = s;
        }
        // open with a window update carrying SYN (delta 0), as go/js do
        await WriteFrameAsync(Header(TWindow, TakeFlags(s), s.Id, 0), ct).ConfigureAwait(false);
        return s;
    }

    public async ValueTask SendDataAsync(MuxedStream s, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var st = St(s);
        int off = 0;
        while (off < data.Length)
        {
            Task? wait = null;
            int n;
            lock (st)
            {
                n = (int)Math.Min(Math.Min(st.SendWindow, MaxFrameData), data.Length - off);
                if (n <= 0)
                {
                    st.WindowWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    wait = st.WindowWaiter.Task;
                }
                else st.SendWindow -= n;
            }
            if (wait is not null)
            {
                if (s.IsReset) throw new StreamResetException();
                try { await wait.WaitAsync(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false); }
                catch (TimeoutException) { throw new P2pException("yamux: peer did not open its receive window for 30 s"); }
                if (s.IsReset) throw new StreamResetException();
                continue;
            }
            var frame = Header(TData, TakeFlags(s), s.Id, (uint)n, n);
            data.Span.Slice(off, n).CopyTo(frame.AsSpan(12));
            await WriteFrameAsync(frame, ct).ConfigureAwait(false);
            off += n;
        }
    }

    public async ValueTask SendCloseAsync(MuxedStream s)
    {
        await WriteFrameAsync(Header(TWindow, (ushort)(TakeFlags(s) | Fin), s.Id, 0), CancellationToken.None).ConfigureAwait(false);
        MaybeRemove(s);
    }

    public void SendReset(MuxedStream s)
    {
        Remove(s.Id);
        WakeWindow(s);
        Post(Header(TWindow, Rst, s.Id, 0));
    }

    public void OnConsumed(MuxedStream s, int bytes)
    {
        var st = St(s);
        uint delta = 0;
        lock (st)
        {
            st.Consumed += bytes;
            if (st.Consumed >= InitialWindow / 2)
            {
                delta = (uint)st.Consumed;
                st.RecvWindow += delta;
                st.Consumed = 0;
            }
        }
        if (delta > 0 && !s.IsReset && !IsClosed)
            Post(Header(TWindow, TakeFlags(s), s.Id, delta));
    }

    private void Remove(uint id)
    {
        lock (_streams)
        {
            if (_streams.Remove(id, out var s) && !s.IsInitiator) _inboundCount--;
        }
    }

    private void MaybeRemove(MuxedStream s)
    {
        if (s.LocalClosed && s.RemoteClosed) Remove(s.Id);
    }

    private static void WakeWindow(MuxedStream s)
    {
        var st = St(s);
        TaskCompletionSource? w;
        lock (st) { w = st.WindowWaiter; st.WindowWaiter = null; }
        w?.TrySetResult();
    }

    /// <summary>Sends a yamux ping and waits for the ACK.</summary>
    public async Task<TimeSpan> PingAsync(CancellationToken ct)
    {
        var tcs = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        uint id;
        lock (_pings) { id = ++_nextPing; _pings[id] = tcs; }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await WriteFrameAsync(Header(TPing, Syn, 0, id), ct).ConfigureAwait(false);
        await tcs.Task.WaitAsync(ct).ConfigureAwait(false);
        return sw.Elapsed;
    }

    public override async Task RunAsync()
    {
        var hdr = new byte[12];
        try
        {
            while (true)
            {
                int got = 0;
                while (got < 12)
                {
                    int n = await Secure.ReadAsync(hdr.AsMemory(got), Closing.Token).ConfigureAwait(false);
                    if (n == 0)
                    {
                        if (got == 0) return;
                        throw new P2pException("yamux: truncated header");
                    }
                    got += n;
                }
                if (hdr[0] != 0) throw new P2pException($"yamux: bad version {hdr[0]}");
                byte type = hdr[1];
                ushort flags = BinaryPrimitives.ReadUInt16BigEndian(hdr.AsSpan(2));
                uint id = BinaryPrimitives.ReadUInt32BigEndian(hdr.AsSpan(4));
                uint length = BinaryPrimitives.ReadUInt32BigEndian(hdr.AsSpan(8));
                switch (type)
                {
                    case TData:
                    case TWindow:
                        await HandleStreamFrameAsync(type, flags, id, length).ConfigureAwait(false);
                        break;
                    case TPing:
                        if ((flags & Syn) != 0)
                            Post(Header(TPing, Ack, 0, length));
                        else if ((flags & Ack) != 0)
                        {
                            TaskCompletionSource<TimeSpan>? t;
                            lock (_pings) _pings.Remove(length, out t);
                            t?.TrySetResult(TimeSpan.Zero);
                        }
                        break;
                    case TGoAway:
                        return;
                    default:
                        throw new P2pException($"yamux: bad frame type {type}");
                }
            }
        }
        finally
        {
            MuxedStream[] all;
            lock (_streams) { all = _streams.Values.ToArray(); _streams.Clear(); }
            foreach (var s in all) { s.OnReset(); WakeWindow(s); }
            if (!Closing.IsCancellationRequested) Closing.Cancel();
        }
    }

    private async Task HandleStreamFrameAsync(byte type, ushort flags, uint id, uint length)
    {
        MuxedStream? s;
        bool isNew = false;
        lock (_streams) _streams.TryGetValue(id, out s);
        if (s is null && (flags & Syn) != 0)
        {
            if (id == 0 || (id % 2 == 1) == IsInitiator) throw new P2pException("yamux: SYN with our stream id parity");
            bool refuse;
            lock (_streams)
            {
                refuse = _inboundCount >= MaxInboundStreams;
                if (!refuse)
                {
                    s = new MuxedStream(this, id, false, Connection) { Tag = new State() };
                    _streams[id] = s;
                    _inboundCount++;
                    isNew = true;
                }
            }
            if (refuse)
            {
                if (type == TData) await SkipAsync(length).ConfigureAwait(false);
                Post(Header(TWindow, Rst, id, 0));
                return;
            }
        }
        if (type == TData)
        {
            if (length > InitialWindow * 64) throw new P2pException("yamux: data frame too large");
            if (s is null)
            {
                // data for a stream we already forgot (e.g. after reset): drain it
                await SkipAsync(length).ConfigureAwait(false);
                return;
            }
            var st = St(s);
            lock (st)
            {
                if (length > st.RecvWindow) throw new P2pException("yamux: peer exceeded receive window");
                st.RecvWindow -= length;
            }
            if (length > 0)
            {
                var data = new byte[length];
                await StreamIo.ReadExactlyAsync(Secure, data, Closing.Token).ConfigureAwait(false);
                s.Push(data);
            }
        }
        else if (s is not null && length > 0)
        {
            var st = St(s);
            lock (st) st.SendWindow += length;
            WakeWindow(s);
        }
        if (s is null) return;
        if ((flags & Rst) != 0)
        {
            s.OnReset();
            WakeWindow(s);
            Remove(id);
            return;
        }
        if ((flags & Fin) != 0)
        {
            s.OnRemoteClose();
            MaybeRemove(s);
        }
        if (isNew)
        {
            Post(Header(TWindow, TakeFlags(s), id, 0));
            DispatchInbound(s);
        }
    }

    private async Task SkipAsync(uint length)
    {
        if (length > InitialWindow) throw new P2pException("yamux: oversized frame for unknown stream");
        var tmp = new byte[length];
        await StreamIo.ReadExactlyAsync(Secure, tmp, Closing.Token).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!IsClosed)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await WriteFrameAsync(Header(TGoAway, 0, 0, 0), cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or P2pException) { }
        }
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
