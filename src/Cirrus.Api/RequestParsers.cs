using System.Globalization;
using System.Text.Json;
using Cirrus.Ssz;

namespace Cirrus.Api;

/// <summary>
/// The pure parts of reading a request: bodies (JSON or SSZ) and path/query values. Every bad input
/// throws <see cref="ApiError"/> (a 4xx) or <see cref="SszException"/> (mapped to 400); kept apart
/// from HttpContext so the fuzz target runs exactly this code.
/// </summary>
public static class RequestParsers
{
    public const int MaxBodyBytes = 10 * 1024 * 1024;

    /// <summary>A body of one value: SSZ when <paramref name="ssz"/> (the SSZ content type), else Beacon API JSON.</summary>
    public static T ParseBody<T>(SszType<T> type, byte[] body, bool ssz)
    {
        if (ssz)
        {
            CheckSize(body);
            return type.Deserialize(body);
        }
        using var doc = ParseJson(body);
        try { return type.ReadJson(doc.RootElement); }
        catch (JsonException e) { throw ApiError.BadRequest("invalid JSON: " + e.Message); }
    }

    /// <summary>The request body as JSON (an array or object); 400 when absent or malformed.</summary>
    public static JsonDocument ParseJson(byte[] body)
    {
        CheckSize(body);
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest("invalid JSON: " + e.Message);
        }
    }

    private static void CheckSize(byte[] body)
    {
        if (body.Length > MaxBodyBytes) throw ApiError.BadRequest("request body too large");
        if (body.Length == 0) throw ApiError.BadRequest("empty request body");
    }

    public static JsonElement RequireArray(JsonDocument doc)
    {
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw ApiError.BadRequest("expected a JSON array");
        return doc.RootElement;
    }

    /// <summary>An unsigned decimal path or query value named <paramref name="name"/>.</summary>
    public static ulong ParseUInt(string v, string name) =>
        ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong x)
            ? x : throw ApiError.BadRequest($"invalid {name} '{v}': expected an unsigned decimal integer");

    public static ulong ParseSlot(string id) =>
        ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out ulong slot)
            ? slot : throw ApiError.BadRequest($"invalid id '{id}': expected head, genesis, finalized, a slot or a 0x root");

    public static Bytes32 ParseRoot(string hex)
    {
        try { return Bytes32.FromHex(hex); }
        catch (SszException) { throw ApiError.BadRequest($"invalid root '{hex}'"); }
    }

    public static ulong ParseIndex(string s) =>
        ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : throw ApiError.BadRequest($"invalid validator index '{s}'");

    /// <summary>A validator id: a 0x pubkey or a decimal index.</summary>
    public static (Bytes48? Pubkey, ulong Index) ParseValidatorId(string id)
    {
        if (id.StartsWith("0x", StringComparison.Ordinal))
        {
            try { return (Bytes48.FromHex(id), 0); }
            catch (SszException) { throw ApiError.BadRequest($"invalid validator pubkey '{id}'"); }
        }
        if (!ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out ulong index))
            throw ApiError.BadRequest($"invalid validator id '{id}'");
        return (null, index);
    }
}
