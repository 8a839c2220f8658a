namespace Cirrus.Networking.ReqResp;

/// <summary>eth2 req/resp response codes.</summary>
public enum ResponseCode : byte
{
    Success = 0,
    InvalidRequest = 1,
    ServerError = 2,
    ResourceUnavailable = 3,
}

/// <summary>One response chunk: for <see cref="ResponseCode.Success"/> the SSZ bytes, otherwise the error message bytes.</summary>
public sealed record ResponseChunk(ResponseCode Code, byte[] Payload)
{
    public static ResponseChunk Ok(byte[] ssz) => new(ResponseCode.Success, ssz);
    public static ResponseChunk Error(ResponseCode code, string message)
    {
        var b = System.Text.Encoding.UTF8.GetBytes(message);
        return new(code, b.Length > ReqResp.MaxErrorMessage ? b[..ReqResp.MaxErrorMessage] : b);
    }
    public string ErrorMessage => System.Text.Encoding.UTF8.GetString(Payload);
}

/// <summary>A request failed: timeout, malformed response, or the stream was reset.</summary>
public sealed class ReqRespException : P2pException
{
    public ReqRespException(string message) : base(message) { }
    public ReqRespException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// eth2 phase0 req/resp with the <c>ssz_snappy</c> encoding: each payload is the unsigned-varint SSZ length followed by
/// the snappy frame format; response chunks are prefixed by a result byte. One stream per request; the requester
/// half-closes after the request. Lengths are checked against bounds before any allocation.
/// </summary>
public static class ReqResp
{
    /// <summary>MAX_CHUNK_SIZE.</summary>
    public const int MaxChunkSize = 1 << 20;
    public const int MaxErrorMessage = 256;
    /// <summary>TTFB_TIMEOUT.</summary>
    public static readonly TimeSpan TtfbTimeout = TimeSpan.FromSeconds(5);
    /// <summary>RESP_TIMEOUT.</summary>
    public static readonly TimeSpan RespTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Protocol id <c>/eth2/beacon_chain/req/{name}/{version}/ssz_snappy</c>.</summary>
    public static string ProtocolId(string name, int version = 1) => $"/eth2/beacon_chain/req/{name}/{version}/ssz_snappy";

    public static byte[] EncodePayload(ReadOnlySpan<byte> ssz)
    {
        var buf = new byte[10 + SnappyFrames.MaxFramedLength(ssz.Length)];
        int n = Varint.Write(buf, (ulong)ssz.Length);
        n += SnappyFrames.Compress(ssz, buf.AsSpan(n));
        return buf.AsSpan(0, n).ToArray();
    }

    public static byte[] EncodeResponseChunk(ResponseCode code, ReadOnlySpan<byte> payload)
    {
        var p = EncodePayload(payload);
        var buf = new byte[1 + p.Length];
        buf[0] = (byte)code;
        p.CopyTo(buf, 1);
        return buf;
    }

    /// <summary>Reads one ssz_snappy payload whose SSZ length must lie in [<paramref name="minLength"/>, <paramref name="maxLength"/>].</summary>
    public static async Task<byte[]> ReadPayloadAsync(Stream s, int minLength, int maxLength, CancellationToken ct)
    {
        ulong len = await StreamIo.ReadVarintAsync(s, ct).ConfigureAwait(false);
        if (len > (ulong)Math.Min(maxLength, MaxChunkSize) || len < (ulong)minLength)
            throw new P2pException($"ssz_snappy: length {len} outside [{minLength}, {maxLength}]");
        return await SnappyFrames.ReadAsync(s, (int)len, ct).ConfigureAwait(false);
    }

    /// <summary>Reads the request of an inbound stream.</summary>
    public static Task<byte[]> ReadRequestAsync(Stream s, int minLength, int maxLength, CancellationToken ct) => ReadPayloadAsync(s, minLength, maxLength, ct);

    /// <summary>Reads one response chunk; null at a clean end of stream. Error messages are bounded to 256 bytes.</summary>
    public static async Task<ResponseChunk?> ReadResponseChunkAsync(Stream s, int minLength, int maxLength, CancellationToken ct)
    {
        var one = new byte[1];
        int n = await s.ReadAsync(one, ct).ConfigureAwait(false);
        if (n == 0) return null;
        var code = (ResponseCode)one[0];
        if (code == ResponseCode.Success)
            return new ResponseChunk(code, await ReadPayloadAsync(s, minLength, maxLength, ct).ConfigureAwait(false));
        return new ResponseChunk(code, await ReadPayloadAsync(s, 0, MaxErrorMessage, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// Sends one request to <paramref name="peer"/> and collects up to <paramref name="maxChunks"/> response chunks,
    /// enforcing TTFB (5 s) for the first byte and RESP_TIMEOUT (10 s) per chunk.
    /// </summary>
    public static async Task<IReadOnlyList<ResponseChunk>> RequestAsync(
        Libp2pHost host, PeerId peer, string protocol, byte[] requestSsz, int maxChunks,
        int minChunkLength = 0, int maxChunkLength = MaxChunkSize, CancellationToken ct = default)
    {
        MuxedStream s;
        try { s = await host.NewStreamAsync(peer, protocol, ct).ConfigureAwait(false); }
        catch (P2pException e) { throw new ReqRespException($"{protocol}: cannot open stream: {e.Message}", e); }
        await using (s.ConfigureAwait(false))
        {
            var result = new List<ResponseChunk>();
            try
            {
                await s.WriteAsync(EncodePayload(requestSsz), ct).ConfigureAwait(false);
                await s.CloseWriteAsync().ConfigureAwait(false);
                for (int i = 0; i < maxChunks; i++)
                {
                    using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    cts.CancelAfter(i == 0 ? TtfbTimeout + RespTimeout : RespTimeout);
                    var chunk = await ReadResponseChunkAsync(s, minChunkLength, maxChunkLength, cts.Token).ConfigureAwait(false);
                    if (chunk is null) break;
                    result.Add(chunk);
                    if (chunk.Code != ResponseCode.Success) break;
                }
                return result;
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                s.Reset();
                throw new ReqRespException($"{protocol}: response timeout");
            }
            catch (P2pException e) when (e is not ReqRespException)
            {
                s.Reset();
                throw new ReqRespException($"{protocol}: {e.Message}", e);
            }
        }
    }

    /// <summary>
    /// Registers a req/resp protocol handler whose response chunks are produced (and written) one at a time,
    /// for long responses such as blocks by range. Error handling is as in <see cref="Handle"/>.
    /// </summary>
    public static void HandleStreaming(Libp2pHost host, string protocol, int minRequestLength, int maxRequestLength,
        Func<PeerId, byte[], CancellationToken, IAsyncEnumerable<ResponseChunk>> handler)
    {
        host.SetStreamHandler(protocol, async s =>
        {
            await using (s.ConfigureAwait(false))
            {
                using var cts = new CancellationTokenSource(TtfbTimeout + RespTimeout);
                byte[] req;
                try { req = await ReadRequestAsync(s, minRequestLength, maxRequestLength, cts.Token).ConfigureAwait(false); }
                catch (P2pException e) when (e is not StreamResetException)
                {
                    // answer, then close normally (a reset could overtake the answer); the peer is still reported
                    host.ReportMisbehaviour(s.RemotePeer, $"{protocol}: {e.Message}");
                    await s.WriteAsync(EncodeResponseChunk(ResponseCode.InvalidRequest, ResponseChunk.Error(ResponseCode.InvalidRequest, e.Message).Payload), cts.Token).ConfigureAwait(false);
                    return;
                }
                bool any = false;
                try
                {
                    await foreach (var c in handler(s.RemotePeer!, req, cts.Token).ConfigureAwait(false))
                    {
                        any = true;
                        await s.WriteAsync(EncodeResponseChunk(c.Code, c.Payload), cts.Token).ConfigureAwait(false);
                        cts.CancelAfter(RespTimeout); // each chunk gets its own RESP_TIMEOUT
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException and not P2pException and not IOException)
                {
                    if (!any) await s.WriteAsync(EncodeResponseChunk(ResponseCode.ServerError, ResponseChunk.Error(ResponseCode.ServerError, "server error").Payload), cts.Token).ConfigureAwait(false);
                    else s.Reset();
                }
            }
        });
    }

    /// <summary>
    /// Registers a req/resp protocol handler. The handler gets the peer and the request SSZ and returns the chunks to send.
    /// A malformed request is answered with InvalidRequest; a handler exception with ServerError.
    /// </summary>
    public static void Handle(Libp2pHost host, string protocol, int minRequestLength, int maxRequestLength,
        Func<PeerId, byte[], CancellationToken, Task<IReadOnlyList<ResponseChunk>>> handler)
    {
        host.SetStreamHandler(protocol, async s =>
        {
            await using (s.ConfigureAwait(false))
            {
                using var cts = new CancellationTokenSource(TtfbTimeout + RespTimeout);
                byte[] req;
                try { req = await ReadRequestAsync(s, minRequestLength, maxRequestLength, cts.Token).ConfigureAwait(false); }
                catch (P2pException e) when (e is not StreamResetException)
                {
                    // answer, then close normally (a reset could overtake the answer); the peer is still reported
                    host.ReportMisbehaviour(s.RemotePeer, $"{protocol}: {e.Message}");
                    await s.WriteAsync(EncodeResponseChunk(ResponseCode.InvalidRequest, ResponseChunk.Error(ResponseCode.InvalidRequest, e.Message).Payload), cts.Token).ConfigureAwait(false);
                    return;
                }
                IReadOnlyList<ResponseChunk> chunks;
                try { chunks = await handler(s.RemotePeer!, req, cts.Token).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    chunks = [ResponseChunk.Error(ResponseCode.ServerError, "server error")];
                }
                foreach (var c in chunks)
                    await s.WriteAsync(EncodeResponseChunk(c.Code, c.Payload), cts.Token).ConfigureAwait(false);
            }
        });
    }
}
