using System.Text.Json;
using Cirrus.Ssz;
using Cirrus.Validator.SlashingProtection;
using Xunit.Abstractions;

namespace Cirrus.Validator.Tests.SlashingProtection;

/// <summary>
/// Runs every file of the EIP-3076 interchange test suite (v5.3.0) against a fresh database,
/// using the "minimal strategy" expectations (should_succeed).
/// </summary>
public sealed class InterchangeSuiteTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string[] FileNames()
    {
        var files = Directory.GetFiles(InterchangeTestsLocator.Generated, "*.json");
        if (files.Length == 0) throw new InvalidOperationException($"no test files in {InterchangeTestsLocator.Generated}");
        return [.. files.Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
    }

    public static TheoryData<string> Files() => new(FileNames());

    [Fact]
    public void TheWholeSuiteIsThere() => Assert.True(FileNames().Length >= 38, $"expected the 38 files of v5.3.0, found {FileNames().Length}");

    [Theory]
    [MemberData(nameof(Files))]
    public void Case(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(InterchangeTestsLocator.Generated, file)));
        var root = doc.RootElement;
        var gvr = Bytes32.FromHex(root.GetProperty("genesis_validators_root").GetString()!);
        using var db = SlashingProtectionDb.Open(Path.Combine(_dir.Path, "sp.sqlite"), gvr);

        int stepNo = 0;
        foreach (var step in root.GetProperty("steps").EnumerateArray())
        {
            string at = $"{file} step {stepNo++}";
            bool shouldSucceed = step.GetProperty("should_succeed").GetBoolean();
            bool slashable = step.GetProperty("contains_slashable_data").GetBoolean();
            byte[] interchange = JsonSerializer.SerializeToUtf8Bytes(step.GetProperty("interchange"));

            ValidatorException? failure = null;
            try { db.ImportJson(interchange); }
            catch (ValidatorException e) { failure = e; }
            output.WriteLine($"{at}: import {(failure is null ? "ok" : "refused: " + failure.Message)}");
            if (!shouldSucceed)
            {
                Assert.True(failure is not null, $"{at}: import should fail");
                // A refused import must leave the database untouched: the checks below still run against it.
            }
            else
            {
                // We minify instead of refusing, so slashable imports succeed too (the suite allows both).
                Assert.True(failure is null, $"{at}: import should succeed (contains_slashable_data={slashable}): {failure?.Message}");
            }

            foreach (var b in step.GetProperty("blocks").EnumerateArray())
            {
                var pk = Bytes48.FromHex(b.GetProperty("pubkey").GetString()!);
                db.RegisterValidator(pk);
                ulong slot = ulong.Parse(b.GetProperty("slot").GetString()!);
                var sr = RootOrZero(b);
                var r = db.CheckAndInsertBlockProposal(pk, slot, sr);
                output.WriteLine($"  block {slot} {sr}: {r}");
                Assert.True(b.GetProperty("should_succeed").GetBoolean() == r.IsAllowed,
                    $"{at}: block at slot {slot} root {sr}: expected {(r.IsAllowed ? "refusal" : "approval")}, got {r}");
            }
            foreach (var a in step.GetProperty("attestations").EnumerateArray())
            {
                var pk = Bytes48.FromHex(a.GetProperty("pubkey").GetString()!);
                db.RegisterValidator(pk);
                ulong s = ulong.Parse(a.GetProperty("source_epoch").GetString()!);
                ulong t = ulong.Parse(a.GetProperty("target_epoch").GetString()!);
                var sr = RootOrZero(a);
                var r = db.CheckAndInsertAttestation(pk, s, t, sr);
                output.WriteLine($"  attestation {s}->{t} {sr}: {r}");
                Assert.True(a.GetProperty("should_succeed").GetBoolean() == r.IsAllowed,
                    $"{at}: attestation {s}->{t} root {sr}: expected {(r.IsAllowed ? "refusal" : "approval")}, got {r}");
            }
        }
        Assert.Equal("ok", db.IntegrityCheck());
    }

    private static Bytes32 RootOrZero(JsonElement e) =>
        e.TryGetProperty("signing_root", out var r) && r.ValueKind == JsonValueKind.String ? Bytes32.FromHex(r.GetString()!) : default;
}
