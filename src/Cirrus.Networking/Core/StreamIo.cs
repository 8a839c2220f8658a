namespace Cirrus.Networking;

/// <summary>Small helpers for reading varints and length-prefixed messages from a stream with hard bounds.</summary>
public static class StreamIo
{
    /// <summary>Reads one unsigned varint byte by byte (never over-reads). Returns null on clean EOF before the first byte.</summary>
    public static async ValueTask<ulong?> ReadVarintOrEofAsync(Stream s, CancellationToken ct)
    {
        var one = new byte[1];
        ulong value = 0;
        int shift = 0;
        for (int i = 0; ; i++)
        {
            int n = await s.ReadAsync(one, ct).ConfigureAwait(false);
            if (n == 0)
            {
                if (i == 0) return null;
                throw new P2pException("truncated varint");
            }
            byte b = one[0];
            if (i == 9 && b > 1) throw new P2pException("varint overflows 64 bits");
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
            shift += 7;
            if (i >= 9) throw new P2pException("varint too long");
        }
    }

    public static async ValueTask<ulong> ReadVarintAsync(Stream s, CancellationToken ct)
        => await ReadVarintOrEofAsync(s, ct).ConfigureAwait(false) ?? throw new P2pException("unexpected end of stream");

    public static async ValueTask ReadExactlyAsync(Stream s, Memory<byte> dst, CancellationToken ct)
    {
        int got = 0;
        while (got < dst.Length)
        {
            int n = await s.ReadAsync(dst[got..], ct).ConfigureAwait(false);
            if (n == 0) throw new P2pException("unexpected end of stream");
            got += n;
        }
    }

    /// <summary>Reads a varint length prefix then that many bytes; the length is checked against <paramref name="maxLength"/> before allocating. Null on clean EOF.</summary>
    public static async ValueTask<byte[]?> ReadLengthPrefixedOrEofAsync(Stream s, int maxLength, CancellationToken ct)
    {
        var len = await ReadVarintOrEofAsync(s, ct).ConfigureAwait(false);
        if (len is null) return null;
        if (len.Value > (ulong)maxLength) throw new P2pException($"message of {len.Value} bytes exceeds limit {maxLength}");
        var buf = new byte[(int)len.Value];
        await ReadExactlyAsync(s, buf, ct).ConfigureAwait(false);
        return buf;
    }

    public static async ValueTask<byte[]> ReadLengthPrefixedAsync(Stream s, int maxLength, CancellationToken ct)
        => await ReadLengthPrefixedOrEofAsync(s, maxLength, ct).ConfigureAwait(false) ?? throw new P2pException("unexpected end of stream");

    public static byte[] LengthPrefixed(ReadOnlySpan<byte> payload)
    {
        var buf = new byte[Varint.Size((ulong)payload.Length) + payload.Length];
        int n = Varint.Write(buf, (ulong)payload.Length);
        payload.CopyTo(buf.AsSpan(n));
        return buf;
    }

    public static async ValueTask WriteLengthPrefixedAsync(Stream s, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        await s.WriteAsync(LengthPrefixed(payload.Span), ct).ConfigureAwait(false);
        await s.FlushAsync(ct).ConfigureAwait(false);
    }
}
