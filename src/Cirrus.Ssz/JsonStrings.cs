using System.Text.Json;

namespace Cirrus.Ssz;

/// <summary>
/// Reading a JSON string from untrusted input. JsonDocument.Parse accepts escapes such as "\ud800" that
/// do not form valid UTF-16, and GetString then throws InvalidOperationException (found by the rest fuzz
/// target: a POST body answered 500). Callers turn null into their own documented error.
/// </summary>
public static class JsonStrings
{
    /// <summary>The string, or null when <paramref name="e"/> is not a string or its escapes are not valid text.</summary>
    public static string? GetStringOrNull(this JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.String) return null;
        try { return e.GetString(); }
        catch (InvalidOperationException) { return null; }
    }

    /// <summary>The element's JSON text for an error message; GetRawText throws on a string that is not valid UTF-8.</summary>
    public static string Describe(this JsonElement e)
    {
        try { return e.GetRawText(); }
        catch (InvalidOperationException) { return "(a string that is not valid text)"; }
    }
}
