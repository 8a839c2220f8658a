using System.Globalization;
using System.Text.Json;
using Cirrus.Api.Types;
using Cirrus.Consensus.Transition;
using Cirrus.Node;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cirrus.Api;

// Helpers shared by the pool and validator endpoints.
public sealed partial class BeaconApi
{
    private void Post(string pattern, Func<HttpContext, Task<ApiResult>> handler) =>
        _app.MapPost(pattern, (RequestDelegate)(c => RespondAsync(c, handler)));

    private Task RespondAsync(HttpContext c, Func<HttpContext, Task<ApiResult>> handler) => Handle(c, () => handler(c));

    /// <summary>Runs node work, turning its errors into 400/404 answers.</summary>
    private static T NodeCall<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (NodeRequestException e)
        {
            throw new ApiError(e.NotFound ? 404 : 400, e.Message);
        }
        catch (StateTransitionException e)
        {
            throw ApiError.BadRequest(e.Message);
        }
    }

    /// <summary>The request body as JSON (an array or object); 400 when absent or malformed.</summary>
    private static async Task<JsonDocument> ReadJsonBody(HttpContext c)
    {
        using var ms = new MemoryStream();
        await c.Request.Body.CopyToAsync(ms);
        if (ms.Length > MaxBodyBytes) throw ApiError.BadRequest("request body too large");
        if (ms.Length == 0) throw ApiError.BadRequest("empty request body");
        try
        {
            return JsonDocument.Parse(ms.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest("invalid JSON: " + e.Message);
        }
    }

    private static JsonElement RequireArray(JsonDocument doc)
    {
        if (doc.RootElement.ValueKind != JsonValueKind.Array) throw ApiError.BadRequest("expected a JSON array");
        return doc.RootElement;
    }

    /// <summary>An optional unsigned decimal query parameter.</summary>
    private static ulong? QueryUInt(HttpContext c, string name)
    {
        string? v = c.Request.Query[name];
        if (string.IsNullOrEmpty(v)) return null;
        return ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong x)
            ? x : throw ApiError.BadRequest($"invalid {name} '{v}': expected an unsigned decimal integer");
    }

    private static ulong RequiredQueryUInt(HttpContext c, string name) =>
        QueryUInt(c, name) ?? throw ApiError.BadRequest($"missing query parameter {name}");

    private static ulong RouteUInt(HttpContext c, string name)
    {
        string v = (string)c.Request.RouteValues[name]!;
        return ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong x)
            ? x : throw ApiError.BadRequest($"invalid {name} '{v}': expected an unsigned decimal integer");
    }

    private static T ParseHex<T>(string? hex, string name, Func<string, T> parse)
    {
        if (string.IsNullOrEmpty(hex)) throw ApiError.BadRequest($"missing {name}");
        try { return parse(hex); }
        catch (Exception e) when (e is Cirrus.Ssz.SszException or FormatException or ArgumentException)
        {
            throw ApiError.BadRequest($"invalid {name} '{hex}'");
        }
    }

    /// <summary>400 with {code, message, failures} for a batch POST whose items partly failed.</summary>
    private static ApiResult Failures(string message, List<IndexedError> failures) =>
        new(400, new ErrorBody(400, message, failures).ToJsonBytes(), "application/json");
}
