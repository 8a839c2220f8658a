using System.Globalization;
using System.Text.Json;
using Cirrus.Ssz;

namespace Cirrus.Validator.SlashingProtection;

/// <summary>One signed block in an interchange file; the signing root is optional in EIP-3076.</summary>
public sealed record InterchangeBlock(ulong Slot, Bytes32? SigningRoot);

/// <summary>One signed attestation in an interchange file; the signing root is optional in EIP-3076.</summary>
public sealed record InterchangeAttestation(ulong SourceEpoch, ulong TargetEpoch, Bytes32? SigningRoot);

/// <summary>The signing history of one validator in an interchange file.</summary>
public sealed record InterchangeRecord(
    Bytes48 Pubkey,
    IReadOnlyList<InterchangeBlock> SignedBlocks,
    IReadOnlyList<InterchangeAttestation> SignedAttestations);

/// <summary>
/// The EIP-3076 slashing-protection interchange format, version 5 (the complete format; the minimal
/// format is the same document with fewer entries). Parsing validates everything and throws
/// <see cref="ValidatorException"/> with a one-line message on any malformed input.
/// </summary>
public sealed class Interchange
{
    public const string FormatVersion = "5";

    public Bytes32 GenesisValidatorsRoot { get; }

    public IReadOnlyList<InterchangeRecord> Data { get; }

    public Interchange(Bytes32 genesisValidatorsRoot, IReadOnlyList<InterchangeRecord> data)
    {
        GenesisValidatorsRoot = genesisValidatorsRoot;
        Data = data;
    }

    public static Interchange Parse(string json) => Parse(System.Text.Encoding.UTF8.GetBytes(json));

    public static Interchange Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8Json.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            throw new ValidatorException($"interchange file is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad("the top level must be an object");
            var metadata = Required(root, "metadata", "", JsonValueKind.Object);
            var version = Required(metadata, "interchange_format_version", "metadata.");
            string? v = version.ValueKind switch
            {
                JsonValueKind.String => version.GetStringOrNull(),
                JsonValueKind.Number => version.GetRawText(),
                _ => null,
            };
            if (v != FormatVersion)
                throw Bad($"unsupported interchange_format_version {version.Describe()} (only \"{FormatVersion}\" is supported)");
            var gvr = ParseRoot(Required(metadata, "genesis_validators_root", "metadata.", JsonValueKind.String), "metadata.genesis_validators_root");

            var data = Required(root, "data", "", JsonValueKind.Array);
            var records = new List<InterchangeRecord>(data.GetArrayLength());
            int i = 0;
            foreach (var r in data.EnumerateArray())
            {
                string at = $"data[{i}]";
                if (r.ValueKind != JsonValueKind.Object) throw Bad($"{at} must be an object");
                var pubkey = ParsePubkey(Required(r, "pubkey", at + ".", JsonValueKind.String), at + ".pubkey");

                var blocks = new List<InterchangeBlock>();
                int j = 0;
                foreach (var b in Required(r, "signed_blocks", at + ".", JsonValueKind.Array).EnumerateArray())
                {
                    string bat = $"{at}.signed_blocks[{j++}]";
                    if (b.ValueKind != JsonValueKind.Object) throw Bad($"{bat} must be an object");
                    blocks.Add(new InterchangeBlock(
                        ParseU64(Required(b, "slot", bat + "."), bat + ".slot"),
                        OptionalRoot(b, "signing_root", bat)));
                }

                var atts = new List<InterchangeAttestation>();
                j = 0;
                foreach (var a in Required(r, "signed_attestations", at + ".", JsonValueKind.Array).EnumerateArray())
                {
                    string aat = $"{at}.signed_attestations[{j++}]";
                    if (a.ValueKind != JsonValueKind.Object) throw Bad($"{aat} must be an object");
                    atts.Add(new InterchangeAttestation(
                        ParseU64(Required(a, "source_epoch", aat + "."), aat + ".source_epoch"),
                        ParseU64(Required(a, "target_epoch", aat + "."), aat + ".target_epoch"),
                        OptionalRoot(a, "signing_root", aat)));
                }
                records.Add(new InterchangeRecord(pubkey, blocks, atts));
                i++;
            }
            return new Interchange(gvr, records);
        }
    }

    /// <summary>The document as indented UTF-8 JSON, integers as decimal strings and bytes as 0x hex.</summary>
    public byte[] ToJsonUtf8()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            w.WriteString("interchange_format_version", FormatVersion);
            w.WriteString("genesis_validators_root", Hex(GenesisValidatorsRoot.AsSpan()));
            w.WriteEndObject();
            w.WriteStartArray("data");
            foreach (var r in Data)
            {
                w.WriteStartObject();
                w.WriteString("pubkey", Hex(r.Pubkey.AsSpan()));
                w.WriteStartArray("signed_blocks");
                foreach (var b in r.SignedBlocks)
                {
                    w.WriteStartObject();
                    w.WriteString("slot", b.Slot.ToString(CultureInfo.InvariantCulture));
                    if (b.SigningRoot is { } sr) w.WriteString("signing_root", Hex(sr.AsSpan()));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("signed_attestations");
                foreach (var a in r.SignedAttestations)
                {
                    w.WriteStartObject();
                    w.WriteString("source_epoch", a.SourceEpoch.ToString(CultureInfo.InvariantCulture));
                    w.WriteString("target_epoch", a.TargetEpoch.ToString(CultureInfo.InvariantCulture));
                    if (a.SigningRoot is { } sr) w.WriteString("signing_root", Hex(sr.AsSpan()));
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static ValidatorException Bad(string what) => new($"invalid interchange file: {what}");

    private static JsonElement Required(JsonElement obj, string name, string prefix, JsonValueKind? kind = null)
    {
        if (!obj.TryGetProperty(name, out var e)) throw Bad($"missing field {prefix}{name}");
        if (kind is { } k && e.ValueKind != k)
            throw Bad($"{prefix}{name} must be {(k == JsonValueKind.Array ? "an array" : k == JsonValueKind.Object ? "an object" : "a string")}");
        return e;
    }

    private static Bytes32? OptionalRoot(JsonElement obj, string name, string at)
    {
        if (!obj.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != JsonValueKind.String) throw Bad($"{at}.{name} must be a string");
        return ParseRoot(e, $"{at}.{name}");
    }

    private static ulong ParseU64(JsonElement e, string at)
    {
        // EIP-3076 writes integers as decimal strings; a bare JSON number is accepted too.
        string? s = e.ValueKind switch
        {
            JsonValueKind.String => e.GetStringOrNull(),
            JsonValueKind.Number => e.GetRawText(),
            _ => null,
        };
        if (s is null || !ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v))
            throw Bad($"{at} must be a decimal unsigned 64-bit integer, got {Shorten(e.Describe())}");
        return v;
    }

    private static Bytes32 ParseRoot(JsonElement e, string at)
    {
        Bytes32 r = default;
        ParseHex(e.GetStringOrNull() ?? throw Bad($"{at} is not valid text"), r.AsWritableSpan(), at);
        return r;
    }

    private static Bytes48 ParsePubkey(JsonElement e, string at)
    {
        Bytes48 r = default;
        ParseHex(e.GetStringOrNull() ?? throw Bad($"{at} is not valid text"), r.AsWritableSpan(), at);
        return r;
    }

    private static void ParseHex(string s, Span<byte> into, string at)
    {
        ReadOnlySpan<char> h = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s.AsSpan(2) : s.AsSpan();
        if (h.Length != into.Length * 2
            || Convert.FromHexString(h, into, out _, out int written) != System.Buffers.OperationStatus.Done
            || written != into.Length)
            throw Bad($"{at} must be 0x followed by {into.Length * 2} hex digits, got {Shorten(s)}");
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";

    internal static string Hex(ReadOnlySpan<byte> b) => "0x" + Convert.ToHexString(b).ToLowerInvariant();
}
