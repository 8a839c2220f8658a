using System.Text;

namespace Cirrus.Networking;

/// <summary>
/// mplex <c>/mplex/6.7.0</c>: frames of varint(id&lt;&lt;3|flag), varint(length), data (≤ 1 MiB). mplex has no flow
/// control, so a stream whose unread buffer exceeds <see cref="MaxBufferedPerStream"/> is reset.
/// </summary>
internal sealed class Mplex : Muxer, IStreamSink
{
    public const string Id = "/mplex/6.7.0";
    public const int MaxMessage = 1 << 20;
    public const long MaxBufferedPerStream = 4 << 20;
    private const int NewStream = 0, MsgReceiver = 1, MsgInitiator = 2, CloseReceiver = 3, CloseInitiator = 4, ResetReceiver = 5, ResetInitiator = 6;

    private readonly Dictionary<uint, MuxedStream> _local = new();   // streams we opened
    private readonly Dictionary<uint, MuxedStream> _remote = new();  // streams the peer opened
    private uint _nextId;

    public Mplex(Stream secure, bool initiator) : base(secure, initiator) { }

    public override string ProtocolId => Id;
    public override int StreamCount { get { lock (_local) return _local.Count + _remote.Count; } }

    private static byte[] Frame(uint id, int flag, ReadOnlySpan<byte> data)
    {
        ulong h = (ulong)id << 3 | (uint)flag;
        var buf = new byte[Varint.Size(h) + Varint.Size((ulong)data.Length) + data.Length];
        int o = Varint.Write(buf, h);
        o += Varint.Write(buf.AsSpan(o), (ulong)data.Length);
        data.CopyTo(buf.AsSpan(o));
        return buf;
    }

    public override async Task<MuxedStream> OpenStreamAsync(CancellationToken ct)
    {
        if (IsClosed) throw new P2pException("connection closed");
        MuxedStream s;
        lock (_local)
        {
            uint id = _nextId++;
            s = new MuxedStream(this, id, true, Connection);
            _local[id] = s;
        }
        await WriteFrameAsync(Frame(s.Id, NewStream, Encoding.ASCII.GetBytes(s.Id.ToString())), ct).ConfigureAwait(false);
        return s;
    }

    public async ValueTask SendDataAsync(MuxedStream s, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        for (int off = 0; off < data.Length; off += MaxMessage)
        {
            int n = Math.Min(MaxMessage, data.Length - off);
            await WriteFrameAsync(Frame(s.Id, s.IsInitiator ? MsgInitiator : MsgReceiver, data.Span.Slice(off, n)), ct).ConfigureAwait(false);
        }
    }

    public async ValueTask SendCloseAsync(MuxedStream s)
    {
        await WriteFrameAsync(Frame(s.Id, s.IsInitiator ? CloseInitiator : CloseReceiver, default), CancellationToken.None).ConfigureAwait(false);
        if (s.RemoteClosed) Forget(s);
    }

    public void SendReset(MuxedStream s)
    {
        Forget(s);
        Post(Frame(s.Id, s.IsInitiator ? ResetInitiator : ResetReceiver, default));
    }

    public void OnConsumed(MuxedStream s, int bytes) { }

    private void Forget(MuxedStream s)
    {
        lock (_local) (s.IsInitiator ? _local : _remote).Remove(s.Id);
    }

    public override async Task RunAsync()
    {
        try
        {
            while (true)
            {
                var header = await StreamIo.ReadVarintOrEofAsync(Secure, Closing.Token).ConfigureAwait(false);
                if (header is null) return;
                ulong len = await StreamIo.ReadVarintAsync(Secure, Closing.Token).ConfigureAwait(false);
                if (len > MaxMessage) throw new P2pException($"mplex: frame of {len} bytes exceeds 1 MiB");
                if (header.Value >> 3 > uint.MaxValue) throw new P2pException("mplex: stream id too large");
                uint id = (uint)(header.Value >> 3);
                int flag = (int)(header.Value & 7);
                var data = len == 0 ? Array.Empty<byte>() : new byte[len];
                if (len > 0) await StreamIo.ReadExactlyAsync(Secure, data, Closing.Token).ConfigureAwait(false);
                MuxedStream? s;
                switch (flag)
                {
                    case NewStream:
                        {
                            bool refuse;
                            lock (_local)
                            {
                                if (_remote.ContainsKey(id)) throw new P2pException("mplex: duplicate stream id");
                                refuse = _remote.Count >= MaxInboundStreams;
                                s = refuse ? null : new MuxedStream(this, id, false, Connection);
                                if (s is not null) _remote[id] = s;
                            }
                            if (refuse) Post(Frame(id, ResetReceiver, default));
                            else DispatchInbound(s!);
                            break;
                        }
                    case MsgReceiver:
                    case MsgInitiator:
                        lock (_local) (flag == MsgReceiver ? _local : _remote).TryGetValue(id, out s);
                        if (s is null) break;
                        if (s.Buffered + data.Length > MaxBufferedPerStream)
                        {
                            s.Reset(); // peer floods a stream we do not read: drop it
                            break;
                        }
                        s.Push(data);
                        break;
                    case CloseReceiver:
                    case CloseInitiator:
                        lock (_local) (flag == CloseReceiver ? _local : _remote).TryGetValue(id, out s);
                        if (s is null) break;
                        s.OnRemoteClose();
                        if (s.LocalClosed) Forget(s);
                        break;
                    case ResetReceiver:
                    case ResetInitiator:
                        lock (_local) (flag == ResetReceiver ? _local : _remote).Remove(id, out s);
                        s?.OnReset();
                        break;
                    default:
                        throw new P2pException($"mplex: bad flag {flag}");
                }
            }
        }
        finally
        {
            MuxedStream[] all;
            lock (_local) { all = _local.Values.Concat(_remote.Values).ToArray(); _local.Clear(); _remote.Clear(); }
            foreach (var s in all) s.OnReset();
            if (!Closing.IsCancellationRequested) Closing.Cancel();
        }
    }
}
