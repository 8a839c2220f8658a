using Cirrus.Differential;
using Xunit;
using Xunit.Abstractions;
using L = Cirrus.Integration.Tests.LodestarApiInteropTests;

namespace Cirrus.Integration.Tests;

/// <summary>
/// A short differential run (fuzz/Cirrus.Differential, the same code as make fuzz-diff): mutated, re-signed
/// blocks and single operations on an interop chain go through Cirrus's state transition and Lodestar 1.5.1's (preset overridden to
/// v0.12.3's minimal values); verdicts and post-state roots must agree but for the explained differences.
/// Like the other Lodestar tests it fails (never skips) when Lodestar is not installed.
/// </summary>
[Collection(LodestarCollection.Name)]
public sealed class LodestarDifferentialTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-diff-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public void TwoHundredMutatedBlocksAndOperationsGetTheSameVerdictsAndPostStateRootsFromCirrusAndLodestar()
    {
        L.Lodestar();
        string install = L.InstallDir();
        string repo = Path.GetDirectoryName(Path.GetDirectoryName(install)!)!;
        var summary = DifferentialRun.Run(new Options
        {
            Cases = 200,
            Seed = 19,
            Epochs = 4,
            Operations = 0.25,
            OutDir = _dir,
            RunnerScript = Path.Combine(repo, "fuzz", "differential", "lodestar-runner.mjs"),
            NodeModules = Path.Combine(install, "node_modules"),
            Log = log.WriteLine,
        });
        log.WriteLine(summary.ToString());
        foreach (var u in summary.UnexplainedSamples) log.WriteLine("unexplained: " + u);
        Assert.Equal(200, summary.Cases);
        Assert.Equal(0, summary.Unexplained);
        Assert.Equal(0, summary.CirrusUnexpectedExceptions);
        Assert.Equal(0, summary.HarnessErrors);
        Assert.True(summary.CirrusAccepts > 0 && summary.LodestarAccepts > 0, "no case was accepted: the mutator no longer makes valid blocks");
        Assert.True(summary.CirrusRejects > 0 && summary.LodestarRejects > 0, "no case was rejected: the mutator no longer mutates");
    }
}
