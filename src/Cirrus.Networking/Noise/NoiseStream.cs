using System.Buffers;
using System.Buffers.Binary;

namespace Cirrus.Networking;

/// <summary>
/// The post-handshake Noise transport: 2-byte big-endian length-prefixed ChaCha20-Poly1305 frames
/// (at most 65535 bytes each). Reads are buffered; writes are serialized and may be called concurrently.
/// </summary>
public sealed class NoiseStream : DuplexStream
{
    public const int MaxFrame = 65535;
    public const int MaxPlaintext = MaxFrame - 16;

    private readonly Stream _inner;
    private readonly NoiseHandshake.CipherState _send;
    private readonly NoiseHandshake.CipherState _recv;
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    private readonly byte[] _rbuf = new byte[MaxFrame * 2 + 2];
    private int _rpos, _rlen;
    private readonly byte[] _plain = new byte[MaxPlaintext];
    private int _ppos, _plen;
    private bool _eof;

    internal NoiseStream(Stream inner, NoiseHandshake.CipherState send, NoiseHandshake.CipherState recv)
    {
        _inner = inner;
        _send = send;
        _recv = recv;
    }

    /// <summary>Ensures at least <paramref name="need"/> buffered ciphertext bytes; false on clean EOF at a frame boundary.</summary>
    private async ValueTask<bool> FillAsync(int need, CancellationToken ct)
    {
        if (_rlen - _rpos >= need) return true;
        if (_rpos > 0)
        {
            Buffer.BlockCopy(_rbuf, _rpos, _rbuf, 0, _rlen - _rpos);
            _rlen -= _rpos;
            _rpos = 0;
        }
        while (_rlen < need)
        {
            int n = await _inner.ReadAsync(_rbuf.AsMemory(_rlen), ct).ConfigureAwait(false);
            if (n == 0)
            {
                if (_rlen == 0) return false;
                throw new P2pException("noise: truncated frame");
            }
            _rlen += n;
        }
        return true;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        if (buffer.Length == 0) return 0;
        while (_ppos == _plen)
        {
            if (_eof) return 0;
            if (!await FillAsync(2, ct).ConfigureAwait(false)) { _eof = true; return 0; }
            int len = BinaryPrimitives.ReadUInt16BigEndian(_rbuf.AsSpan(_rpos));
            if (len < 16) throw new P2pException("noise: frame shorter than tag");
            if (!await FillAsync(2 + len, ct).ConfigureAwait(false)) throw new P2pException("noise: truncated frame");
            _recv.Decrypt(ReadOnlySpan<byte>.Empty, _rbuf.AsSpan(_rpos + 2, len), _plain);
            _rpos += 2 + len;
            _ppos = 0;
            _plen = len - 16;
        }
        int c = Math.Min(buffer.Length, _plen - _ppos);
        _plain.AsSpan(_ppos, c).CopyTo(buffer.Span);
        _ppos += c;
        return c;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        if (data.Length == 0) return;
        int frames = (data.Length + MaxPlaintext - 1) / MaxPlaintext;
        int total = data.Length + frames * 18;
        var buf = ArrayPool<byte>.Shared.Rent(total);
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            int o = 0;
            for (int off = 0; off < data.Length; off += MaxPlaintext)
            {
                int n = Math.Min(MaxPlaintext, data.Length - off);
                BinaryPrimitives.WriteUInt16BigEndian(buf.AsSpan(o), (ushort)(n + 16));
                _send.Encrypt(ReadOnlySpan<byte>.Empty, data.Span.Slice(off, n), buf.AsSpan(o + 2, n + 16));
                o += n + 18;
            }
            await _inner.WriteAsync(buf.AsMemory(0, o), ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
