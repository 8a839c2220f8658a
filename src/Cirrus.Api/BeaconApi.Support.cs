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
        return RequestParsers.ParseJson(ms.ToArray());
    }

    private static JsonElement RequireArray(JsonDocument doc) => RequestParsers.RequireArray(doc);

    /// <summary>An optional unsigned decimal query parameter.</summary>
    private static ulong? QueryUInt(HttpContext c, string name)
    {
        string? v = c.Request.Query[name];
        if (string.IsNullOrEmpty(v)) return null;
        return RequestParsers.ParseUInt(v, name);
    }

    private static ulong RequiredQueryUInt(HttpContext c, string name) =>
        QueryUInt(c, name) ?? throw ApiError.BadRequest($"missing query parameter {name}");

    private static ulong RouteUInt(HttpContext c, string name)
    {
        return RequestParsers.ParseUInt((string)c.Request.RouteValues[name]!, name);
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
