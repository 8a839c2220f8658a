using System.Text;

namespace Cirrus.Networking;

/// <summary>multistream-select 1.0 (<c>/multistream/1.0.0</c>): protocol negotiation on a raw connection or a muxed stream.</summary>
public static class Multistream
{
    public const string ProtocolId = "/multistream/1.0.0";
    public const int MaxMessage = 1024;
    private const int MaxProposals = 32;

    private static byte[] Encode(params string[] messages)
    {
        var ms = new MemoryStream();
        Span<byte> tmp = stackalloc byte[10];
        foreach (var m in messages)
        {
            var b = Encoding.UTF8.GetBytes(m + "\n");
            ms.Write(tmp[..Varint.Write(tmp, (ulong)b.Length)]);
            ms.Write(b);
        }
        return ms.ToArray();
    }

    public static async ValueTask<string> ReadMessageAsync(Stream s, CancellationToken ct)
    {
        var b = await StreamIo.ReadLengthPrefixedAsync(s, MaxMessage, ct).ConfigureAwait(false);
        if (b.Length == 0 || b[^1] != (byte)'\n') throw new P2pException("multistream message not newline-terminated");
        try { return new UTF8Encoding(false, true).GetString(b, 0, b.Length - 1); }
        catch (DecoderFallbackException) { throw new P2pException("multistream message is not utf-8"); }
    }

    /// <summary>Initiator side: proposes protocols in order, returns the one the responder accepted.</summary>
    public static async Task<string> SelectAsync(Stream s, IReadOnlyList<string> protocols, CancellationToken ct)
    {
        if (protocols.Count == 0) throw new ArgumentException("no protocols", nameof(protocols));
        await s.WriteAsync(Encode(ProtocolId, protocols[0]), ct).ConfigureAwait(false);
        await s.FlushAsync(ct).ConfigureAwait(false);
        var header = await ReadMessageAsync(s, ct).ConfigureAwait(false);
        if (header != ProtocolId) throw new P2pException($"unexpected multistream header '{header}'");
        for (int i = 0; ; )
        {
            var reply = await ReadMessageAsync(s, ct).ConfigureAwait(false);
            if (reply == protocols[i]) return reply;
            if (reply != "na") throw new P2pException($"unexpected multistream reply '{reply}'");
            if (++i >= protocols.Count) throw new ProtocolNotSupportedException(protocols);
            await s.WriteAsync(Encode(protocols[i]), ct).ConfigureAwait(false);
            await s.FlushAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Responder side: answers proposals until one is supported, which is returned.</summary>
    public static async Task<string> HandleAsync(Stream s, Func<string, bool> supported, Func<IEnumerable<string>> list, CancellationToken ct)
    {
        await s.WriteAsync(Encode(ProtocolId), ct).ConfigureAwait(false);
        await s.FlushAsync(ct).ConfigureAwait(false);
        var header = await ReadMessageAsync(s, ct).ConfigureAwait(false);
        if (header != ProtocolId) throw new P2pException($"unexpected multistream header '{header}'");
        for (int i = 0; i < MaxProposals; i++)
        {
            var proposal = await ReadMessageAsync(s, ct).ConfigureAwait(false);
            if (proposal == "ls")
            {
                var inner = new MemoryStream();
                inner.Write(Encode(list().ToArray()));
                inner.Write("\n"u8);
                await s.WriteAsync(StreamIo.LengthPrefixed(inner.ToArray()), ct).ConfigureAwait(false);
            }
            else if (supported(proposal))
            {
                await s.WriteAsync(Encode(proposal), ct).ConfigureAwait(false);
                await s.FlushAsync(ct).ConfigureAwait(false);
                return proposal;
            }
            else
            {
                await s.WriteAsync(Encode("na"), ct).ConfigureAwait(false);
            }
            await s.FlushAsync(ct).ConfigureAwait(false);
        }
        throw new P2pException("too many multistream proposals");
    }
}

/// <summary>The remote supports none of the proposed protocols.</summary>
public sealed class ProtocolNotSupportedException : P2pException
{
    public ProtocolNotSupportedException(IReadOnlyList<string> protocols)
        : base($"remote supports none of: {string.Join(", ", protocols)}") { }
}
