using System.Diagnostics;
using System.Text.RegularExpressions;
using Cirrus.Fuzz;
using Cirrus.Ssz;

namespace Cirrus.Fuzz.Tests;

public class FuzzTargetTests
{
    public static IEnumerable<object[]> Targets() => Program.Targets.Select(t => new object[] { t.Name });

    private static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "scripts", "fuzz.sh"))) return d.FullName;
            throw new InvalidOperationException("repository root not found");
        }
    }

    /// <summary>The seeds, and every finding ever saved, run as a normal program: no finding, and the seeds reach acceptance.</summary>
    [Theory, MemberData(nameof(Targets))]
    public void CorpusAndRegressionInputsReplayWithoutFindings(string name)
    {
        var target = Program.Find(name);
        var dirs = new FuzzDirs(Path.Combine(RepoRoot, "fuzz"));
        var paths = new List<string> { dirs.Corpus(name) };
        if (Directory.Exists(dirs.Regressions(name))) paths.Add(dirs.Regressions(name));
        var log = new StringWriter();
        var r = Program.Replay(target, paths, log);
        Assert.True(r.Findings == 0, log.ToString());
        Assert.True(r.Accepted > 0, $"{name}: no seed is accepted, so the fuzzer starts nowhere deep");
    }

    [Fact]
    public void DocumentedRejectionsAreNotFindingsButOtherExceptionsAre()
    {
        var ssz = Program.Find("ssz");
        Assert.Equal(Outcome.Rejected, ssz.Execute([1, 2, 3]));
        Assert.True(ssz.IsRejection(new SszException("x")));
        Assert.False(ssz.IsRejection(new InvariantViolation("x")));
        Assert.False(ssz.IsRejection(new IndexOutOfRangeException()));
        var shuffle = Program.Find("shuffle");
        Assert.Equal(Outcome.Rejected, shuffle.Execute(new byte[10]));
        Assert.Equal(Outcome.Accepted, shuffle.Execute(new byte[35]));
    }

    [Fact]
    public void UnknownTargetIsAClearError()
    {
        var e = Assert.Throws<ArgumentException>(() => Program.Find("nope"));
        Assert.Contains("known: attestation", e.Message);
    }

    /// <summary>
    /// Every target under AFL++ for a few seconds (CI's smoke run): the instrumented target starts, AFL
    /// executes inputs, and nothing crashes or hangs. Needs afl++ (scripts/setup-fuzz.sh installs it).
    /// </summary>
    [Theory, MemberData(nameof(Targets))]
    public async Task SmokeRunUnderAfl(string name)
    {
        var psi = new ProcessStartInfo("bash", ["scripts/fuzz.sh", name, "3"])
        {
            WorkingDirectory = RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); Assert.Fail($"{name}: the smoke run did not end"); }
        string all = stdout + await stderr;
        Assert.True(p.ExitCode == 0, $"{name}: exit {p.ExitCode}\n{all}");
        var m = Regex.Match(stdout, $@"^{Regex.Escape(name)}\s+(\d+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s*$", RegexOptions.Multiline);
        Assert.True(m.Success, all);
        Assert.True(long.Parse(m.Groups[1].Value) > 0, $"{name}: AFL ran no input\n{all}");
        Assert.Equal("0", m.Groups[4].Value);
    }

    /// <summary>The checked-in corpus is minimised: cmin (instrumented build) keeps every one of its files.</summary>
    [Fact]
    public async Task TheCorpusIsAlreadyMinimal()
    {
        string setup = (await RunAsync("bash", "scripts/setup-fuzz.sh")).Trim().Split('\n')[^1];
        foreach (var name in new[] { "block", "ssz", "attestation" })
        {
            string outDir = Path.Combine(Path.GetTempPath(), "cirrus-cmin-" + Guid.NewGuid().ToString("N"));
            try
            {
                string output = await RunAsync(setup, "cmin", name, Path.Combine(RepoRoot, "fuzz", "corpus", name), outDir);
                int n = Directory.GetFiles(Path.Combine(RepoRoot, "fuzz", "corpus", name)).Length;
                Assert.Contains($"{name}: {n} inputs", output);
                Assert.Equal(n, Directory.GetFiles(outDir).Length);
            }
            finally { if (Directory.Exists(outDir)) Directory.Delete(outDir, true); }
        }
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["CIRRUS_FUZZ_DIR"] = Path.Combine(RepoRoot, "fuzz");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = await p.StandardOutput.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await p.WaitForExitAsync(cts.Token);
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: exit {p.ExitCode}\n{stdout}{await err}");
        return stdout;
    }
}
