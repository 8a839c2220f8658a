using System.Diagnostics;
using Cirrus.Storage.CrashWriter;
using Xunit.Abstractions;

namespace Cirrus.Storage.Tests;

/// <summary>
/// SIGKILLs a child process that imports a synthetic chain, at random moments, ten times; after
/// every kill the database must reopen consistent, and at the end hold exactly what an
/// uninterrupted run of the same chain holds.
/// </summary>
public sealed class KillTest(ITestOutputHelper output) : IDisposable
{
    // Long enough that the writer cannot finish before the test reacts to its import lines, even on a loaded machine.
    private const ulong Slots = 3000;
    private const ulong SnapshotEvery = 16;
    private const int Kills = 10;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string WriterDll =>
        Path.Combine(AppContext.BaseDirectory, "Cirrus.Storage.CrashWriter.dll");

    private sealed class Child : IDisposable
    {
        public readonly Process Process;
        public readonly TaskCompletionSource<string> Ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly TaskCompletionSource<string> Done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly System.Text.StringBuilder Stderr = new();
        private readonly TaskCompletionSource _imported = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly int _killAfter;
        private int _imports;

        /// <summary>Completes once this child has reported <c>killAfter</c> imports.</summary>
        public Task Imported => _imported.Task;

        public int ImportCount => Volatile.Read(ref _imports);

        public Child(string db, int killAfter = int.MaxValue)
        {
            _killAfter = killAfter;
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            psi.ArgumentList.Add(WriterDll);
            psi.ArgumentList.Add(db);
            psi.ArgumentList.Add(Slots.ToString());
            psi.ArgumentList.Add(SnapshotEvery.ToString());
            Process = new Process { StartInfo = psi };
            Process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                if (e.Data.StartsWith("ready", StringComparison.Ordinal)) Ready.TrySetResult(e.Data);
                if (e.Data.StartsWith("imported", StringComparison.Ordinal) && Interlocked.Increment(ref _imports) >= _killAfter) _imported.TrySetResult();
                if (e.Data.StartsWith("done", StringComparison.Ordinal)) Done.TrySetResult(e.Data);
            };
            Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Stderr) Stderr.AppendLine(e.Data); };
            Process.Start();
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        /// <summary>Lets the writer start importing (it waits after "ready").</summary>
        public void Go()
        {
            Process.StandardInput.WriteLine("go");
            Process.StandardInput.Flush();
        }

        public void Dispose()
        {
            try { if (!Process.HasExited) Process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            Process.WaitForExit(10_000);
            Process.Dispose();
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task SigkillDuringImportsAlwaysReopensConsistentAndEndsLikeAnUninterruptedRun()
    {
        Assert.True(File.Exists(WriterDll), $"crash writer not built at {WriterDll}");
        var schema = MinimalSchema.Schema;

        // The reference: the same chain, uninterrupted, in this process.
        string refDigest;
        ChainHead refHead;
        Cirrus.Consensus.Types.Checkpoint refFinalized, refJustified;
        using (var reference = BeaconStore.Open(_dir.Sub("reference"), schema))
        {
            var sw = Stopwatch.StartNew();
            new SyntheticChain(schema, Slots, SnapshotEvery).Run(reference);
            output.WriteLine($"uninterrupted run: {Slots} slots in {sw.ElapsedMilliseconds} ms");
            Assert.Empty(reference.CheckConsistency(decodeValues: true));
            refDigest = reference.ContentDigest();
            refHead = reference.Head!.Value;
            refFinalized = reference.Finalized!;
            refJustified = reference.Justified!;
        }

        var db = _dir.Sub("killed");
        var rng = new Random(12345);
        ulong lastHead = 0;
        int kills = 0;
        while (kills < Kills)
        {
            // Kill after a random number (1..30) of imports plus a random few milliseconds, so the
            // kill lands at a random point of the import loop (serializing, in a write, in fsync...).
            using (var child = new Child(db, killAfter: rng.Next(1, 31)))
            {
                var ready = await child.Ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
                if (kills == 0)
                {
                    // While it runs, the database is locked against a second opener.
                    var e = Assert.Throws<StoreException>(() => BeaconStore.Open(db, schema));
                    Assert.Contains("locked", e.Message);
                }
                child.Go();
                await child.Imported.WaitAsync(TimeSpan.FromSeconds(60));
                await Task.Delay(rng.Next(0, 15));
                Assert.False(child.Done.Task.IsCompleted, $"the chain completed before kill {kills + 1}; make it longer");
                if (child.Process.HasExited)
                {
                    // WaitForExit() without a timeout also waits for the redirected output to drain.
                    child.Process.WaitForExit();
                    Assert.Fail($"writer exited early with code {child.Process.ExitCode} after {child.ImportCount} imports: {child.Stderr}");
                }
                child.Process.Kill(entireProcessTree: true);
                await child.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                kills++;
                output.WriteLine($"kill {kills}: started at '{ready}'");
            }

            using var store = BeaconStore.Open(db, schema);
            var problems = store.CheckConsistency(decodeValues: true);
            Assert.True(problems.Count == 0, $"after kill {kills}: " + string.Join("; ", problems));
            var head = store.Head?.Slot ?? 0;
            Assert.True(head >= lastHead, $"head went back from {lastHead} to {head}");
            output.WriteLine($"  reopened: head slot {head}, finalized epoch {store.Finalized?.Epoch}");
            lastHead = head;
        }

        using (var child = new Child(db))
        {
            await child.Ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            child.Go();
            var done = await child.Done.Task.WaitAsync(TimeSpan.FromSeconds(90));
            await child.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, child.Process.ExitCode);
            output.WriteLine($"final run: {done}");
        }
        using (var store = BeaconStore.Open(db, schema))
        {
            Assert.Empty(store.CheckConsistency(decodeValues: true));
            Assert.Equal(refHead, store.Head);
            Assert.Equal(refFinalized, store.Finalized);
            Assert.Equal(refJustified, store.Justified);
            Assert.Equal(refDigest, store.ContentDigest());
        }
    }
}
