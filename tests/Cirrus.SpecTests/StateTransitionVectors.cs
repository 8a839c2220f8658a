using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.SpecTests;

/// <summary>Shared loading and checking for the state-transition vectors (operations, epoch processing, sanity, ...).</summary>
public static class StateTransitionVectors
{
    /// <summary>Cases of one handler in both presets, e.g. "operations/attestation".</summary>
    public static IEnumerable<object[]> Both(string handler) =>
        SpecTestPaths.Cases("minimal/phase0/" + handler).Concat(SpecTestPaths.Cases("mainnet/phase0/" + handler));

    public static ChainConfig Config(string caseRow) => caseRow.Split('/')[0] switch
    {
        "minimal" => ChainConfig.Minimal,
        "mainnet" => ChainConfig.Mainnet,
        var p => throw new InvalidOperationException("unknown preset " + p),
    };

    public static T Load<T>(ChainConfig c, string dir, string name) => c.Schema.Deserialize<T>(File.ReadAllBytes(Path.Combine(dir, name)));

    public static bool Has(string dir, string name) => File.Exists(Path.Combine(dir, name));

    public static Dictionary<string, string> Meta(string dir) =>
        Has(dir, "meta.yaml") ? YamlJson.LoadMap(Path.Combine(dir, "meta.yaml")) : new Dictionary<string, string>();

    /// <summary>bls_setting: 1 = signatures must be verified, 2 = must not, 0/absent = either (we verify).</summary>
    public static ISignatureVerifier? Verifier(string dir)
    {
        var meta = Meta(dir);
        string setting = meta.TryGetValue("bls_setting", out var s) ? s : "0";
        return setting == "2" ? null : TestBls.Verifier;
    }

    /// <summary>A uint64 stored as NAME.ssz or NAME.yaml.</summary>
    public static ulong LoadUInt64(string dir, string name)
    {
        if (Has(dir, name + ".ssz")) return BitConverter.ToUInt64(File.ReadAllBytes(Path.Combine(dir, name + ".ssz")));
        string text = File.ReadAllText(Path.Combine(dir, name + ".yaml")).Trim();
        if (text.EndsWith("...", StringComparison.Ordinal)) text = text[..^3].Trim();
        return ulong.Parse(text);
    }

    /// <summary>Asserts two states are equal, naming the first differing fields when not.</summary>
    public static void AssertStatesEqual(ChainConfig c, BeaconState expected, BeaconState actual)
    {
        var t = c.Schema.Get<BeaconState>();
        if (t.HashTreeRoot(expected) == t.HashTreeRoot(actual)) return;
        using var a = JsonDocument.Parse(t.ToJson(expected));
        using var b = JsonDocument.Parse(t.ToJson(actual));
        var diffs = new List<string>();
        Diff(a.RootElement, b.RootElement, "state", diffs);
        Assert.Fail("post-state differs: " + string.Join("; ", diffs.Take(8)));
    }

    private static void Diff(JsonElement x, JsonElement y, string path, List<string> diffs)
    {
        if (diffs.Count >= 8) return;
        if (x.ValueKind != y.ValueKind)
        {
            diffs.Add($"{path}: {x} vs {y}");
            return;
        }
        switch (x.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in x.EnumerateObject())
                    if (y.TryGetProperty(p.Name, out var q)) Diff(p.Value, q, path + "." + p.Name, diffs);
                break;
            case JsonValueKind.Array:
                int nx = x.GetArrayLength(), ny = y.GetArrayLength();
                if (nx != ny) diffs.Add($"{path}: length {nx} vs {ny}");
                for (int i = 0; i < Math.Min(nx, ny); i++) Diff(x[i], y[i], $"{path}[{i}]", diffs);
                break;
            default:
                if (x.ToString() != y.ToString()) diffs.Add($"{path}: expected {x}, got {y}");
                break;
        }
    }

    /// <summary>
    /// Runs <paramref name="apply"/> on the case's pre-state: with post.ssz it must succeed and match,
    /// without it must throw <see cref="StateTransitionException"/> (never another exception type).
    /// </summary>
    public static void RunPrePost(string caseRow, Action<CachedBeaconState, ChainConfig, string> apply)
    {
        string dir = SpecTestPaths.Resolve(caseRow);
        var c = Config(caseRow);
        var pre = Load<BeaconState>(c, dir, "pre.ssz");
        var cs = new CachedBeaconState(c, pre);
        if (Has(dir, "post.ssz"))
        {
            apply(cs, c, dir);
            AssertStatesEqual(c, Load<BeaconState>(c, dir, "post.ssz"), cs.State);
        }
        else
        {
            Assert.Throws<StateTransitionException>(() => apply(cs, c, dir));
        }
    }
}
