using System.Diagnostics;
using Cirrus.Ssz;
using Cirrus.Validator.SlashingProtection;
using Xunit.Abstractions;

namespace Cirrus.Validator.Tests.SlashingProtection;

/// <summary>
/// SIGKILLs a child process right after it reported approvals (the moment a client signs). The
/// reopened database must hold every approved record and refuse anything conflicting with them.
/// A kill leaves the OS page cache intact, so this shows commit-before-approval; the fsync half
/// (synchronous=FULL) is configuration checked by <see cref="TheDatabaseRunsInWalModeWithFullSync"/>.
/// </summary>
public sealed class KillTest(ITestOutputHelper output) : IDisposable
{
    private static readonly Bytes32 Gvr = Bytes32.FromHex("0x043db0d9a83813551ee2f33450d23797757d430911a9320530ad8a0eabc43efb");
    private const int PerRun = 100_000;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string SignerDll => Path.Combine(AppContext.BaseDirectory, "Cirrus.Validator.CrashSigner.dll");

    private sealed record Approved(string Kind, ulong A, ulong B, Bytes32 Root);

    [Fact(Timeout = 180_000)]
    public async Task EveryApprovalReportedBeforeASigkillIsInTheReopenedDatabase()
    {
        Assert.True(File.Exists(SignerDll), $"crash signer not built at {SignerDll}");
        string db = Path.Combine(_dir.Path, "sp.sqlite");
        int[] killAfter = [1, 37, 250];
        var approvedByKey = new Dictionary<byte, List<Approved>>();

        for (int run = 0; run < killAfter.Length; run++)
        {
            byte key = (byte)(run + 1);
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { SignerDll, db, Gvr.ToString(), key.ToString(), PerRun.ToString() }) psi.ArgumentList.Add(a);
            using var child = Process.Start(psi)!;
            var stderr = child.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var approved = new List<Approved>();
            try
            {
                string? first = await child.StandardOutput.ReadLineAsync(cts.Token);
                // (The message is built only on failure: building it kills the child.)
                if (first != "ready") Assert.Fail($"child did not start: {first} {await WaitErr(child, stderr)}");
                if (run == 0)
                {
                    // While the child holds the database, another process cannot open it.
                    var e = Assert.Throws<ValidatorException>(() => SlashingProtectionDb.Open(db, Gvr));
                    Assert.Contains("in use by another process", e.Message);
                }
                while (approved.Count < killAfter[run])
                {
                    string? line = await child.StandardOutput.ReadLineAsync(cts.Token);
                    if (line is null) Assert.Fail($"child ended early: {await WaitErr(child, stderr)}");
                    approved.Add(Parse(line));
                }
                child.Kill(); // SIGKILL on Unix
            }
            finally
            {
                if (!child.HasExited) child.Kill();
            }
            // Lines already written before the kill are approvals too: drain them.
            while (await child.StandardOutput.ReadLineAsync(cts.Token) is { } more)
                if (more != "done") approved.Add(Parse(more));
            await child.WaitForExitAsync(cts.Token);
            output.WriteLine($"run {run}: killed after {approved.Count} reported approvals");
            approvedByKey[key] = approved;

            using var reopened = SlashingProtectionDb.Open(db, Gvr);
            Assert.Equal("ok", reopened.IntegrityCheck());
            var exported = reopened.Export();
            foreach (var (k, list) in approvedByKey)
            {
                Bytes48 pk = default;
                pk.AsWritableSpan().Fill(k);
                var rec = exported.Data.Single(r => r.Pubkey == pk);
                var blocks = rec.SignedBlocks.ToDictionary(b => b.Slot, b => b.SigningRoot);
                var atts = rec.SignedAttestations.ToDictionary(a => a.TargetEpoch);
                foreach (var a in list)
                {
                    if (a.Kind == "block")
                        Assert.True(blocks.TryGetValue(a.A, out var r) && r == a.Root, $"approved block at slot {a.A} (key {k}) missing after the kill");
                    else
                        Assert.True(atts.TryGetValue(a.B, out var r) && r.SourceEpoch == a.A && r.SigningRoot == a.Root,
                            $"approved attestation {a.A}->{a.B} (key {k}) missing after the kill");
                }
                // At most one record past the last report may exist (committed, killed before printing).
                int reportedBlocks = list.Count(a => a.Kind == "block"), reportedAtts = list.Count - reportedBlocks;
                Assert.InRange(blocks.Count + atts.Count, list.Count, list.Count + 1);
                Assert.InRange(blocks.Count, reportedBlocks, reportedBlocks + 1);
                // The protection holds: a conflicting block for a reported slot is refused.
                ulong slot = list.Last(a => a.Kind == "block").A;
                Assert.Equal(SigningOutcome.DoubleProposal, reopened.CheckAndInsertBlockProposal(pk, slot, default).Outcome);
                if (reportedAtts > 0)
                {
                    var last = list.Last(a => a.Kind != "block");
                    Assert.Equal(SigningOutcome.SameData, reopened.CheckAndInsertAttestation(pk, last.A, last.B, last.Root).Outcome);
                }
            }
        }
    }

    [Fact]
    public void TheDatabaseRunsInWalModeWithFullSync()
    {
        string db = Path.Combine(_dir.Path, "sp.sqlite");
        using (var spdb = SlashingProtectionDb.Open(db, Gvr))
        {
            Assert.Equal("wal", spdb.Pragma("journal_mode"));
            Assert.Equal("2", spdb.Pragma("synchronous")); // 2 = FULL
        }
    }

    private static Approved Parse(string line)
    {
        var p = line.Split(' ');
        return p[0] switch
        {
            "block" when p.Length == 3 => new Approved("block", ulong.Parse(p[1]), 0, Bytes32.FromHex(p[2])),
            "attestation" when p.Length == 4 => new Approved("attestation", ulong.Parse(p[1]), ulong.Parse(p[2]), Bytes32.FromHex(p[3])),
            _ => throw new InvalidOperationException($"unexpected child output: {line}"),
        };
    }

    private static async Task<string> WaitErr(Process child, Task<string> stderr)
    {
        if (!child.HasExited) child.Kill();
        return await stderr;
    }
}
