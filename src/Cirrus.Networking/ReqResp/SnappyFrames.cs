using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;
using Snappier;

namespace Cirrus.Networking.ReqResp;

/// <summary>
/// The snappy framing format (stream identifier, compressed/uncompressed chunks, masked CRC-32C), written
/// here on top of Snappier's block codec so that reading can be bounded chunk by chunk.
/// </summary>
public static class SnappyFrames
{
    public const int MaxBlock = 65536;
    private static readonly byte[] StreamId = [0xff, 0x06, 0x00, 0x00, (byte)'s', (byte)'N', (byte)'a', (byte)'P', (byte)'p', (byte)'Y'];
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            t[i] = c;
        }
        return t;
    }

    /// <summary>CRC-32C (Castagnoli); SSE4.2 when available, a table otherwise.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data, bool allowHardware = true)
    {
        uint c = 0xFFFFFFFF;
        int i = 0;
        if (allowHardware && Sse42.X64.IsSupported)
        {
            ulong c64 = c;
            for (; i + 8 <= data.Length; i += 8) c64 = Sse42.X64.Crc32(c64, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
            c = (uint)c64;
        }
        for (; i < data.Length; i++) c = Table[(c ^ data[i]) & 0xff] ^ (c >> 8);
        return c ^ 0xFFFFFFFF;
    }

    public static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }

    /// <summary>Upper bound of the framed size of <paramref name="length"/> input bytes.</summary>
    public static int MaxFramedLength(int length)
    {
        int blocks = Math.Max(1, (length + MaxBlock - 1) / MaxBlock);
        return StreamId.Length + blocks * (8 + Snappy.GetMaxCompressedLength(MaxBlock));
    }

    public static int Compress(ReadOnlySpan<byte> input, Span<byte> output)
    {
        StreamId.CopyTo(output);
        int o = StreamId.Length;
        for (int off = 0; off < input.Length; off += MaxBlock)
        {
            var block = input.Slice(off, Math.Min(MaxBlock, input.Length - off));
            uint crc = MaskedCrc(block);
            int clen = Snappy.Compress(block, output[(o + 8)..]);
            bool compressed = clen < block.Length;
            if (!compressed)
            {
                block.CopyTo(output[(o + 8)..]);
                clen = block.Length;
            }
            int len = clen + 4;
            output[o] = compressed ? (byte)0x00 : (byte)0x01;
            output[o + 1] = (byte)len; output[o + 2] = (byte)(len >> 8); output[o + 3] = (byte)(len >> 16);
            BinaryPrimitives.WriteUInt32LittleEndian(output[(o + 4)..], crc);
            o += 8 + clen;
        }
        return o;
    }

    public static byte[] Compress(ReadOnlySpan<byte> input)
    {
        var buf = new byte[MaxFramedLength(input.Length)];
        int n = Compress(input, buf);
        return buf.AsSpan(0, n).ToArray();
    }

    /// <summary>
    /// Reads framed chunks from <paramref name="s"/> until exactly <paramref name="expectedLength"/> uncompressed bytes
    /// were produced. Never reads past the last needed chunk. Throws <see cref="P2pException"/> on any malformation.
    /// </summary>
    public static async Task<byte[]> ReadAsync(Stream s, int expectedLength, CancellationToken ct)
    {
        var result = new byte[expectedLength];
        int got = 0;
        var hdr = new byte[4];
        int maxChunk = 4 + Snappy.GetMaxCompressedLength(MaxBlock);
        byte[]? chunk = null;
        bool sawStreamId = false;
        int budget = MaxFramedLength(expectedLength) + 64; // compressed bytes we are willing to read
        while (got < expectedLength || !sawStreamId)
        {
            await StreamIo.ReadExactlyAsync(s, hdr, ct).ConfigureAwait(false);
            byte type = hdr[0];
            int len = hdr[1] | hdr[2] << 8 | hdr[3] << 16;
            budget -= 4 + len;
            if (budget < 0) throw new P2pException("snappy: more framed bytes than the payload needs");
            if (!sawStreamId && type != 0xff) throw new P2pException("snappy: missing stream identifier");
            if (type == 0xff)
            {
                if (len != 6) throw new P2pException("snappy: bad stream identifier");
                var id = new byte[6];
                await StreamIo.ReadExactlyAsync(s, id, ct).ConfigureAwait(false);
                if (!id.AsSpan().SequenceEqual(StreamId.AsSpan(4))) throw new P2pException("snappy: bad stream identifier");
                sawStreamId = true;
                continue;
            }
            if (type is 0x00 or 0x01)
            {
                if (len < 4 || len > maxChunk) throw new P2pException("snappy: bad chunk length");
                chunk ??= new byte[maxChunk];
                await StreamIo.ReadExactlyAsync(s, chunk.AsMemory(0, len), ct).ConfigureAwait(false);
                uint crc = BinaryPrimitives.ReadUInt32LittleEndian(chunk);
                var body = chunk.AsSpan(4, len - 4);
                int n;
                if (type == 0x01)
                {
                    n = body.Length;
                    if (n > MaxBlock || n > expectedLength - got) throw new P2pException("snappy: payload longer than declared");
                    body.CopyTo(result.AsSpan(got));
                }
                else
                {
                    int ulen;
                    try { ulen = Snappy.GetUncompressedLength(body); }
                    catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException) { throw new P2pException("snappy: corrupt chunk"); }
                    if (ulen > MaxBlock || ulen > expectedLength - got) throw new P2pException("snappy: payload longer than declared");
                    try { n = Snappy.Decompress(body, result.AsSpan(got, ulen)); }
                    catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException) { throw new P2pException("snappy: corrupt chunk"); }
                }
                if (MaskedCrc(result.AsSpan(got, n)) != crc) throw new P2pException("snappy: checksum mismatch");
                got += n;
                continue;
            }
            if (type >= 0x80)
            {
                if (len > maxChunk) throw new P2pException("snappy: bad skippable chunk");
                chunk ??= new byte[maxChunk];
                await StreamIo.ReadExactlyAsync(s, chunk.AsMemory(0, len), ct).ConfigureAwait(false);
                continue;
            }
            throw new P2pException($"snappy: reserved chunk type {type:x2}");
        }
        return result;
    }

    /// <summary>Decompresses a complete framed buffer (tests, tools).</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> framed, int expectedLength)
    {
        var ms = new MemoryStream(framed.ToArray());
        return ReadAsync(ms, expectedLength, CancellationToken.None).GetAwaiter().GetResult();
    }
}
