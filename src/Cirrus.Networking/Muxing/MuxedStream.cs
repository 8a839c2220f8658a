namespace Cirrus.Networking;

/// <summary>What a muxer provides to its streams.</summary>
internal interface IStreamSink
{
    ValueTask SendDataAsync(MuxedStream stream, ReadOnlyMemory<byte> data, CancellationToken ct);
    ValueTask SendCloseAsync(MuxedStream stream);
    void SendReset(MuxedStream stream);
    void OnConsumed(MuxedStream stream, int bytes);
}

/// <summary>
/// One multiplexed stream (yamux or mplex). Reads return 0 once the remote half-closed; <see cref="CloseWriteAsync"/>
/// half-closes our side; <see cref="Reset"/> aborts both. Disposing closes our side.
/// </summary>
public sealed class MuxedStream : DuplexStream
{
    private readonly IStreamSink _sink;
    private readonly object _lock = new();
    private readonly Queue<byte[]> _chunks = new();
    private int _chunkPos;
    private long _buffered;
    private TaskCompletionSource? _waiter;
    private bool _remoteClosed, _localClosed, _reset;

    internal MuxedStream(IStreamSink sink, uint id, bool initiator, Connection? connection)
    {
        _sink = sink;
        Id = id;
        IsInitiator = initiator;
        Connection = connection;
    }

    internal uint Id { get; }
    /// <summary>True when we opened this stream.</summary>
    public bool IsInitiator { get; }
    /// <summary>The protocol negotiated with multistream-select on this stream.</summary>
    public string Protocol { get; internal set; } = "";
    public Connection? Connection { get; internal set; }
    public PeerId? RemotePeer => Connection?.RemotePeer;
    public bool IsReset => _reset;
    internal bool LocalClosed => _localClosed;
    internal bool RemoteClosed => _remoteClosed;
    internal long Buffered => Interlocked.Read(ref _buffered);
    internal object? Tag; // muxer-specific state

    internal void Push(byte[] data)
    {
        TaskCompletionSource? w;
        lock (_lock)
        {
            if (_reset || _remoteClosed) return;
            _chunks.Enqueue(data);
            _buffered += data.Length;
            w = _waiter; _waiter = null;
        }
        w?.TrySetResult();
    }

    internal void OnRemoteClose()
    {
        TaskCompletionSource? w;
        lock (_lock) { _remoteClosed = true; w = _waiter; _waiter = null; }
        w?.TrySetResult();
    }

    internal void OnReset()
    {
        TaskCompletionSource? w;
        lock (_lock) { _reset = true; _remoteClosed = true; _localClosed = true; _chunks.Clear(); _buffered = 0; w = _waiter; _waiter = null; }
        w?.TrySetResult();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0) return 0;
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_chunks.Count > 0)
                {
                    int copied = 0;
                    while (copied < buffer.Length && _chunks.Count > 0)
                    {
                        var c = _chunks.Peek();
                        int n = Math.Min(buffer.Length - copied, c.Length - _chunkPos);
                        c.AsSpan(_chunkPos, n).CopyTo(buffer.Span[copied..]);
                        copied += n;
                        _chunkPos += n;
                        if (_chunkPos == c.Length) { _chunks.Dequeue(); _chunkPos = 0; }
                    }
                    _buffered -= copied;
                    _sink.OnConsumed(this, copied);
                    return copied;
                }
                if (_reset) throw new StreamResetException();
                if (_remoteClosed) return 0;
                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }
            await wait.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default)
    {
        if (_reset) throw new StreamResetException();
        if (_localClosed) throw new InvalidOperationException("stream closed for writing");
        if (buffer.Length == 0) return;
        await _sink.SendDataAsync(this, buffer, ct).ConfigureAwait(false);
    }

    /// <summary>Half-closes: the remote reads EOF; we can still read.</summary>
    public async ValueTask CloseWriteAsync()
    {
        lock (_lock) { if (_localClosed) return; _localClosed = true; }
        try { await _sink.SendCloseAsync(this).ConfigureAwait(false); }
        catch (Exception e) when (e is IOException or ObjectDisposedException or P2pException or OperationCanceledException) { }
    }

    /// <summary>Aborts the stream in both directions.</summary>
    public void Reset()
    {
        lock (_lock) { if (_reset) return; }
        OnReset();
        try { _sink.SendReset(this); } catch (Exception e) when (e is IOException or ObjectDisposedException or P2pException) { }
    }

    public override async ValueTask DisposeAsync()
    {
        await CloseWriteAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_localClosed) _ = CloseWriteAsync().AsTask();
        base.Dispose(disposing);
    }
}

/// <summary>The remote (or we) reset the stream.</summary>
public sealed class StreamResetException : P2pException
{
    public StreamResetException() : base("stream reset") { }
}

/// <summary>Common surface of yamux and mplex sessions.</summary>
internal abstract class Muxer : IAsyncDisposable
{
    protected readonly Stream Secure;
    protected readonly bool IsInitiator;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    protected readonly CancellationTokenSource Closing = new();
    public Connection? Connection { get; set; }
    public Func<MuxedStream, Task>? OnInboundStream { get; set; }
    public int MaxInboundStreams { get; set; } = 512;

    protected Muxer(Stream secure, bool initiator) { Secure = secure; IsInitiator = initiator; }

    public abstract string ProtocolId { get; }
    public abstract Task<MuxedStream> OpenStreamAsync(CancellationToken ct);
    /// <summary>Runs the read loop until the connection ends; throws <see cref="P2pException"/> on a protocol violation.</summary>
    public abstract Task RunAsync();
    public abstract int StreamCount { get; }
    public bool IsClosed => Closing.IsCancellationRequested;

    protected async ValueTask WriteFrameAsync(ReadOnlyMemory<byte> frame, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try { await Secure.WriteAsync(frame, Closing.Token).ConfigureAwait(false); }
        finally { _writeLock.Release(); }
    }

    /// <summary>
    /// Queues a control frame from the read loop without awaiting it: the read loop must never block on writing,
    /// or two peers whose send buffers are full would wait on each other forever.
    /// </summary>
    protected void Post(byte[] frame)
    {
        _ = WriteFrameAsync(frame, CancellationToken.None).AsTask().ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
    }

    protected void DispatchInbound(MuxedStream s)
    {
        var h = OnInboundStream;
        if (h is null) { s.Reset(); return; }
        _ = Task.Run(async () =>
        {
            try { await h(s).ConfigureAwait(false); }
            catch (Exception) { s.Reset(); }
        });
    }

    public virtual ValueTask DisposeAsync()
    {
        if (!Closing.IsCancellationRequested) Closing.Cancel();
        Secure.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Protocol ids of the supported stream multiplexers.</summary>
public static class MuxerProtocols
{
    public const string Yamux = "/yamux/1.0.0";
    public const string Mplex = "/mplex/6.7.0";
}
