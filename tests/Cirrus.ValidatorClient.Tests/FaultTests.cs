using Cirrus.Api.Types;
using Cirrus.Validator.Client;
using Cirrus.Validator.Keys;

namespace Cirrus.ValidatorClient.Tests;

/// <summary>Nodes that fail: dead ones, ones that answer garbage or errors.</summary>
public class FaultTests
{
    [Fact]
    public async Task PoolFallsBackFromADeadNodeAndPrefersTheLiveOneAfterwards()
    {
        var config = Devnet.ShortSlots(2);
        await using var net = await Devnet.StartAsync(config, 64, TimeSpan.FromSeconds(60));
        var metrics = new ValidatorMetrics();
        var dead = Devnet.DeadUrl();
        var logged = new List<string>();
        using var pool = new BeaconNodePool([dead, net.Url], config, TimeSpan.FromSeconds(5), metrics, logged.Add);
        Assert.Equal([0, 1], pool.Order());

        var genesis = await pool.RunAsync(c => c.GetGenesisAsync(), CancellationToken.None);
        Assert.Equal(net.GenesisTime, genesis.GenesisTime);
        Assert.Equal(1, metrics.RequestFailureCount(dead.ToString()));
        Assert.Contains(logged, l => l.Contains(dead.ToString(), StringComparison.Ordinal));
        // The dead node is now tried last, so the next call does not touch it.
        Assert.Equal([1, 0], pool.Order());
        await pool.RunAsync(c => c.GetForkAsync("head"), CancellationToken.None);
        Assert.Equal(1, metrics.RequestFailureCount(dead.ToString()));

        // A 4xx is the node's verdict on the request: passed on, not retried elsewhere, not a node failure.
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => pool.RunAsync(c => c.GetForkAsync("nonsense"), CancellationToken.None));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal(0, metrics.RequestFailureCount(net.Url.ToString()));
    }

    [Fact]
    public async Task AllNodesDeadThrowsTheLastFailure()
    {
        var config = Devnet.ShortSlots(2);
        var metrics = new ValidatorMetrics();
        using var pool = new BeaconNodePool([Devnet.DeadUrl(), Devnet.DeadUrl()], config, TimeSpan.FromSeconds(5), metrics);
        var e = await Assert.ThrowsAsync<BeaconApiException>(() => pool.RunAsync(c => c.GetGenesisAsync(), CancellationToken.None));
        Assert.Null(e.StatusCode);
        Assert.Contains("cannot reach", e.Message);
    }

    [Fact]
    public async Task MalformedAttestationDataIsAMissedDutyNotACrash()
    {
        var config = Devnet.ShortSlots(2);
        await using var net = await Devnet.StartAsync(config, 64, TimeSpan.FromSeconds(3));
        await using var proxy = new FaultyNode(net.Url, path => path switch
        {
            "/eth/v1/validator/attestation_data" => (200, "{\"data\":{\"slot\":\"not a number\"}}"),
            "/eth/v1/validator/aggregate_attestation" => (200, "[1,2"),
            _ => null,
        });
        await proxy.StartAsync();
        using var dir = new TempDir();
        await using var vc = new RunningClient(config, [proxy.Url], dir.Path, InteropKeySource.Keys(0, 64));

        var end = DateTime.UtcNow.AddSeconds(40);
        while (net.Chain.HeadSlot < 4 && DateTime.UtcNow < end) await Task.Delay(200);
        Assert.False(vc.Run.IsCompleted, vc.Run.Exception?.ToString());
        Assert.True(net.Chain.HeadSlot >= 4, $"head at slot {net.Chain.HeadSlot}");
        var m = vc.Client.Metrics;
        Assert.True(m.PerformedCount(DutyKind.Proposal) >= 4);
        Assert.Equal(0, m.PerformedCount(DutyKind.Attestation));
        Assert.True(m.MissedCount(DutyKind.Attestation) >= 3 * 8, $"{m.MissedCount(DutyKind.Attestation)} attestations missed");
        Assert.Contains(vc.Log, l => l.Contains("attestation: missed", StringComparison.Ordinal) && l.Contains("malformed", StringComparison.Ordinal));
        // No attestation data, so no aggregates either, and no block carries a vote.
        Assert.Equal(0, m.PerformedCount(DutyKind.Aggregation));
        Assert.Empty(net.Chain.GetBlock(net.Chain.Head)!.Message.Body.Attestations);
    }

    [Fact]
    public async Task WhileTheNodeSaysItIsSyncingDutiesWaitAndSaySoThenResume()
    {
        var config = Devnet.ShortSlots(2);
        await using var net = await Devnet.StartAsync(config, 64, TimeSpan.FromSeconds(3));
        bool syncing = true;
        await using var proxy = new FaultyNode(net.Url, path => path == "/eth/v1/node/syncing" && Volatile.Read(ref syncing)
            ? (200, "{\"data\":{\"head_slot\":\"0\",\"sync_distance\":\"40\",\"is_syncing\":true}}")
            : null);
        await proxy.StartAsync();
        using var dir = new TempDir();
        await using var vc = new RunningClient(config, [proxy.Url], dir.Path, InteropKeySource.Keys(0, 64));

        var end = DateTime.UtcNow.AddSeconds(30);
        while (!vc.Log.Any(l => l.Contains("is syncing", StringComparison.Ordinal)) && DateTime.UtcNow < end) await Task.Delay(200);
        await Task.Delay(TimeSpan.FromSeconds(3 * config.SecondsPerSlot));
        Assert.Contains(vc.Log, l => l.Contains("the beacon node is syncing", StringComparison.Ordinal) && l.Contains("duties wait", StringComparison.Ordinal));
        Assert.Equal(0, vc.Client.Metrics.PerformedCount(DutyKind.Proposal));
        Assert.Equal(0, vc.Client.Metrics.PerformedCount(DutyKind.Attestation));
        Assert.Equal(0UL, net.Chain.HeadSlot);

        Volatile.Write(ref syncing, false);
        end = DateTime.UtcNow.AddSeconds(40);
        while (net.Chain.HeadSlot < 2 && DateTime.UtcNow < end) await Task.Delay(200);
        Assert.True(net.Chain.HeadSlot >= 2, $"duties did not resume: head at slot {net.Chain.HeadSlot}");
        Assert.False(vc.Run.IsCompleted, vc.Run.Exception?.ToString());
    }
}

public class ReorgTests
{
    [Fact]
    public async Task ChainReorgEventFetchesDutiesAgain()
    {
        await using var t = await EventDrivenClient.StartAsync();
        var (config, net, events, proxy, vc) = (t.Config, t.Net, t.Events, t.Proxy, t.Vc);
        Assert.True(proxy.Hits.GetValueOrDefault("/eth/v1/events") >= 1);
        const string proposer = "/eth/v1/validator/duties/proposer/0";
        int before = proxy.Hits.GetValueOrDefault(proposer);
        Assert.True(before >= 1);
        // Garbage first: skipped, the stream goes on.
        await events.Writer.WriteAsync("event: chain_reorg\ndata: {not json\n\n");
        await events.Writer.WriteAsync("event: chain_reorg\ndata: {\"slot\":\"2\",\"depth\":\"1\"}\n\n");
        var end = DateTime.UtcNow.AddSeconds(2);
        while (proxy.Hits.GetValueOrDefault(proposer) == before && DateTime.UtcNow < end) await Task.Delay(50);
        // The refresh follows the event at once, within the same epoch (slots are 2 s, the epoch is 16 s).
        Assert.True(net.Chain.CurrentSlot < config.SlotsPerEpoch, "the epoch ended before the check");
        Assert.True(proxy.Hits.GetValueOrDefault(proposer) > before, "no duty refetch after chain_reorg");
        Assert.Single(vc.Lines("chain re-org at slot 2"));
        Assert.False(vc.Run.IsCompleted, vc.Run.Exception?.ToString());
    }
}

public class DependentRootTests
{
    [Fact]
    public async Task AHeadEventWhoseDependentRootDiffersFromTheDutiesFetchesThemAgainOnce()
    {
        await using var t = await EventDrivenClient.StartAsync();
        var (config, net, events, proxy, vc) = (t.Config, t.Net, t.Events, t.Proxy, t.Vc);
        const string proposer = "/eth/v1/validator/duties/proposer/0";
        int before = proxy.Hits.GetValueOrDefault(proposer);
        Assert.True(before >= 1);
        string genesis = net.Chain.GenesisBlockRoot!.Value.ToString();
        static string Head(string prev, string cur) =>
            $"event: head\ndata: {{\"slot\":\"2\",\"block\":\"0x{new string('a', 64)}\",\"state\":\"0x{new string('b', 64)}\",\"epoch_transition\":false," +
            $"\"previous_duty_dependent_root\":\"{prev}\",\"current_duty_dependent_root\":\"{cur}\",\"execution_optimistic\":false}}\n\n";
        // The roots the duties were computed for: nothing to do.
        await events.Writer.WriteAsync(Head(genesis, genesis));
        await Task.Delay(500);
        Assert.Equal(before, proxy.Hits.GetValueOrDefault(proposer));
        // Another block before the epoch: the proposer duties are stale.
        string other = "0x" + new string('c', 64);
        await events.Writer.WriteAsync(Head(genesis, other));
        var end = DateTime.UtcNow.AddSeconds(2);
        while (proxy.Hits.GetValueOrDefault(proposer) == before && DateTime.UtcNow < end) await Task.Delay(50);
        Assert.True(net.Chain.CurrentSlot < config.SlotsPerEpoch, "the epoch ended before the check");
        Assert.True(proxy.Hits.GetValueOrDefault(proposer) > before, "no duty refetch after a new dependent root");
        Assert.Single(vc.Lines("the proposer duties of epoch 0 were computed for block"));
        // The node still answers with the genesis root: the same event does not make the client refetch again.
        int after = proxy.Hits.GetValueOrDefault(proposer);
        await events.Writer.WriteAsync(Head(genesis, other));
        await Task.Delay(500);
        Assert.True(net.Chain.CurrentSlot < config.SlotsPerEpoch, "the epoch ended before the check");
        Assert.Equal(after, proxy.Hits.GetValueOrDefault(proposer));
        Assert.False(vc.Run.IsCompleted, vc.Run.Exception?.ToString());
    }

    [Fact]
    public async Task ASyncedNodeThatKnowsNoneOfOurKeysIsALoudWarning()
    {
        var config = Devnet.ShortSlots(2);
        await using var net = await Devnet.StartAsync(config, 64, TimeSpan.FromSeconds(2));
        // What Lodestar 1.5.1 answered to ?id=a,b: an empty list.
        await using var proxy = new FaultyNode(net.Url, p => p == "/eth/v1/beacon/states/head/validators" ? (200, "{\"data\":[]}") : null);
        await proxy.StartAsync();
        using var dir = new TempDir();
        await using var vc = new RunningClient(config, [proxy.Url], dir.Path, InteropKeySource.Keys(0, 4));
        var end = DateTime.UtcNow.AddSeconds(15);
        while (!vc.Lines("WARNING").Any() && DateTime.UtcNow < end) await Task.Delay(100);
        var line = Assert.Single(vc.Lines("WARNING"));
        Assert.Contains("knows none of the 4 validator key(s)", line);
    }
}

/// <summary>A devnet behind a proxy whose event stream the test writes, and a client of all 64 keys; started once the head is at slot 2.</summary>
internal sealed class EventDrivenClient : IAsyncDisposable
{
    public required Cirrus.Consensus.Config.ChainConfig Config { get; init; }
    public required Devnet Net { get; init; }
    public required System.Threading.Channels.Channel<string> Events { get; init; }
    public required FaultyNode Proxy { get; init; }
    public required TempDir Dir { get; init; }
    public required RunningClient Vc { get; init; }

    public static async Task<EventDrivenClient> StartAsync()
    {
        var config = Devnet.ShortSlots(2);
        var net = await Devnet.StartAsync(config, 64, TimeSpan.FromSeconds(3));
        var events = System.Threading.Channels.Channel.CreateUnbounded<string>();
        var proxy = new FaultyNode(net.Url, _ => null, events);
        await proxy.StartAsync();
        var dir = new TempDir();
        var t = new EventDrivenClient
        {
            Config = config, Net = net, Events = events, Proxy = proxy, Dir = dir,
            Vc = new RunningClient(config, [proxy.Url], dir.Path, InteropKeySource.Keys(0, 64)),
        };
        var end = DateTime.UtcNow.AddSeconds(30);
        while (net.Chain.HeadSlot < 2 && DateTime.UtcNow < end) await Task.Delay(100);
        if (net.Chain.HeadSlot >= 2) return t;
        ulong head = net.Chain.HeadSlot;
        await t.DisposeAsync();
        throw new Xunit.Sdk.XunitException($"head at slot {head} after 30 s");
    }

    public async ValueTask DisposeAsync()
    {
        await Vc.DisposeAsync();
        Dir.Dispose();
        await Proxy.DisposeAsync();
        await Net.DisposeAsync();
    }
}
