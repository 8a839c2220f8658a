using Cirrus.Consensus.Config;
using Cirrus.Tests.Shared;
using Cirrus.Validator.Client;

namespace Cirrus.ValidatorClient.Tests;

/// <summary>A hostile or broken beacon node must not be able to exhaust the validator client's memory.</summary>
public sealed class HostileNodeTests
{
    [Fact]
    public async Task AnEventStreamLineThatNeverEndsIsDroppedAfterABoundedRead()
    {
        // 128 MiB of one line: an unbounded reader takes all of it (and several times that in memory).
        await using var server = new EndlessServer("text/event-stream", cap: 128L << 20);
        var pool = new BeaconNodePool([server.Url], ChainConfig.Minimal, TimeSpan.FromSeconds(10));
        var lost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var events = new EventStream(pool, _ => { }, m => { if (m.Contains("lost")) lost.TrySetResult(m); });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var run = events.RunAsync(cts.Token);
        long written = server.NextFinished(TimeSpan.FromSeconds(60));
        cts.Cancel();
        await run;
        Assert.True(written >= 0, "the connection did not end within 60 s");
        // What the kernel's socket buffers hold on loopback, plus the reader's bound: far below the cap.
        Assert.True(written < 32L << 20, $"the client read {written >> 20} MiB of a single line");
        Assert.Contains("longer than", await lost.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
