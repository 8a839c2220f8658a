using System.Globalization;
using System.Text.Json;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Api.Types;

/// <summary>One entry of GET /eth/v1/beacon/states/{state_id}/validators (status is free text, so hand-written).</summary>
public sealed record ValidatorEntry(ulong Index, ulong Balance, string Status, Validator Validator)
{
    public void WriteJson(Utf8JsonWriter w, SszSchema schema)
    {
        w.WriteStartObject();
        w.WriteString("index", Index.ToString(CultureInfo.InvariantCulture));
        w.WriteString("balance", Balance.ToString(CultureInfo.InvariantCulture));
        w.WriteString("status", Status);
        w.WritePropertyName("validator");
        schema.Get<Validator>().WriteJson(w, Validator);
        w.WriteEndObject();
    }

    /// <summary>Throws <see cref="SszException"/> for a malformed entry.</summary>
    public static ValidatorEntry ReadJson(JsonElement e, SszSchema schema)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new SszException($"validator entry: expected an object, got {e.ValueKind}");
        return new ValidatorEntry(
            SszSchema.UInt64.ReadJson(ApiJson.Field(e, "index", "validator entry")),
            SszSchema.UInt64.ReadJson(ApiJson.Field(e, "balance", "validator entry")),
            ApiJson.String(ApiJson.Field(e, "status", "validator entry"), "validator entry status"),
            schema.Get<Validator>().ReadJson(ApiJson.Field(e, "validator", "validator entry")));
    }
}

/// <summary>One per-item failure of a batch POST (e.g. pool/attestations): which item and why.</summary>
public sealed record IndexedError(int Index, string Message);

/// <summary>The API's error body: {code, message} and, for batch POSTs, failures.</summary>
public sealed record ErrorBody(int Code, string Message, IReadOnlyList<IndexedError> Failures)
{
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("code", Code);
        w.WriteString("message", Message);
        if (Failures.Count > 0)
        {
            w.WriteStartArray("failures");
            foreach (var f in Failures)
            {
                w.WriteStartObject();
                w.WriteNumber("index", f.Index);
                w.WriteString("message", f.Message);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    public byte[] ToJsonBytes()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) WriteJson(w);
        return ms.ToArray();
    }

    /// <summary>Null when the element is not an error body.</summary>
    public static ErrorBody? TryRead(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("message", out var m) || m.GetStringOrNull() is not { } message) return null;
        int code = e.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out int ci) ? ci
            : c.ValueKind == JsonValueKind.String && int.TryParse(c.GetStringOrNull(), NumberStyles.None, CultureInfo.InvariantCulture, out int cs) ? cs : 0;
        var failures = new List<IndexedError>();
        if (e.TryGetProperty("failures", out var fs) && fs.ValueKind == JsonValueKind.Array)
        {
            foreach (var f in fs.EnumerateArray())
            {
                if (f.ValueKind != JsonValueKind.Object) continue;
                int index = f.TryGetProperty("index", out var i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out int ii) ? ii
                    : i.ValueKind == JsonValueKind.String && int.TryParse(i.GetStringOrNull(), NumberStyles.None, CultureInfo.InvariantCulture, out int si) ? si : -1;
                string msg = (f.TryGetProperty("message", out var fm) ? fm.GetStringOrNull() : null) ?? "";
                failures.Add(new IndexedError(index, msg));
            }
        }
        return new ErrorBody(code, message, failures);
    }
}

/// <summary>Helpers for the API's JSON: arrays of SSZ-typed items and strict field access.</summary>
public static class ApiJson
{
    public static void WriteList<T>(Utf8JsonWriter w, SszType<T> type, IEnumerable<T> items)
    {
        w.WriteStartArray();
        foreach (var item in items) type.WriteJson(w, item);
        w.WriteEndArray();
    }

    /// <summary>Reads a JSON array of at most <paramref name="max"/> items; throws <see cref="SszException"/>.</summary>
    public static List<T> ReadList<T>(JsonElement e, SszType<T> type, int max = 1 << 16)
    {
        if (e.ValueKind != JsonValueKind.Array) throw new SszException($"expected an array of {type.Name}, got {e.ValueKind}");
        int n = e.GetArrayLength();
        if (n > max) throw new SszException($"too many items: {n} (at most {max})");
        var result = new List<T>(n);
        foreach (var item in e.EnumerateArray()) result.Add(type.ReadJson(item));
        return result;
    }

    /// <summary>A required property; throws <see cref="SszException"/> naming it when absent.</summary>
    public static JsonElement Field(JsonElement e, string name, string where)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new SszException($"{where}: expected an object, got {e.ValueKind}");
        return e.TryGetProperty(name, out var v) ? v : throw new SszException($"{where}: missing field '{name}'");
    }

    public static string String(JsonElement e, string where) =>
        e.ValueKind != JsonValueKind.String ? throw new SszException($"{where}: expected a string, got {e.ValueKind}")
        : e.GetStringOrNull() ?? throw new SszException($"{where}: the string is not valid text");

    /// <summary>Writes items as a JSON array of decimal strings (e.g. validator indices in a duties request).</summary>
    public static byte[] DecimalStringArray(IEnumerable<ulong> values)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartArray();
            foreach (ulong v in values) w.WriteStringValue(v.ToString(CultureInfo.InvariantCulture));
            w.WriteEndArray();
        }
        return ms.ToArray();
    }

    /// <summary>Serializes one SSZ-typed value, or a list of them, to JSON bytes.</summary>
    public static byte[] ToJsonBytes(Action<Utf8JsonWriter> write)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms)) write(w);
        return ms.ToArray();
    }
}
