using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Cirrus.Api.Types;
using Cirrus.Consensus.Config;
using Cirrus.Validator;
using Cirrus.Validator.Client;

namespace Cirrus.ValidatorClient.Tests;

/// <summary>The watch's rules against a scripted node: which epochs it asks, and what it does with each answer.</summary>
public class DoppelgangerWatchTests
{
    /// <summary>Answers validator/liveness with <paramref name="answer"/>(epoch) — null for a 503, a status code otherwise.</summary>
    private sealed class ScriptedNode(Func<ulong, (int Status, bool Live)> answer) : HttpMessageHandler
    {
        public ConcurrentQueue<(ulong Epoch, long AtMs)> Asked { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            string path = request.RequestUri!.AbsolutePath;
            const string prefix = "/eth/v1/validator/liveness/";
            if (!path.StartsWith(prefix, StringComparison.Ordinal)) return new HttpResponseMessage(HttpStatusCode.NotFound);
            ulong epoch = ulong.Parse(path[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
            Asked.Enqueue((epoch, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            var (status, live) = answer(epoch);
            if (status != 200)
                return new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent("{\"code\":" + status + ",\"message\":\"scripted\"}", Encoding.UTF8, "application/json") };
            using var doc = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(ct));
            var items = doc.RootElement.EnumerateArray().Select(i => new { index = i.GetString(), is_live = live });
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(JsonSerializer.Serialize(new { data = items }), Encoding.UTF8, "application/json") };
        }
    }

    // 1 s slots, 2 slots an epoch, started in epoch 1: the watch covers epochs 2 and 3 and ends at slot 9
    private static (Doppelganger Watch, SlotClock Clock, ConcurrentQueue<string> Log) Setup(ScriptedNode node)
    {
        var clock = new SlotClock((ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3, 1, 2, () => DateTimeOffset.UtcNow);
        var client = new BeaconApiClient(new HttpClient(node) { BaseAddress = new Uri("http://node.invalid/"), Timeout = TimeSpan.FromSeconds(5) }, ChainConfig.Minimal);
        var log = new ConcurrentQueue<string>();
        return (new Doppelganger(new BeaconNodePool([client]), clock, log.Enqueue), clock, log);
    }

    [Fact]
    public async Task QuietEpochsAfterTheStartPassAndTheStartEpochIsNotWatched()
    {
        // validator 7 was live in the start epoch (a restart): not a doppelganger
        var node = new ScriptedNode(e => (200, e <= 1));
        var (watch, clock, log) = Setup(node);
        ulong start = clock.EpochOf(clock.CurrentSlot()!.Value);
        await watch.WatchAsync([7, 9], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains(log, l => l.Contains("signing from now on", StringComparison.Ordinal));
        Assert.DoesNotContain(node.Asked, a => a.Epoch <= start);
        // each watched epoch was asked about once it was over
        foreach (ulong e in new[] { start + 1, start + 2 })
            Assert.Contains(node.Asked, a => a.Epoch == e && a.AtMs >= clock.SlotStartMs((e + 1) * 2));
    }

    [Fact]
    public async Task ALiveKeyInAWatchedEpochStopsTheClient()
    {
        var node = new ScriptedNode(e => (200, true));
        var (watch, clock, _) = Setup(node);
        ulong start = clock.EpochOf(clock.CurrentSlot()!.Value);
        var ex = await Assert.ThrowsAsync<DoppelgangerException>(() => watch.WatchAsync([7], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains($"validator(s) 7 attested or proposed in epoch {start + 1}", ex.Message);
    }

    [Fact]
    public async Task ANodeThatCannotAnswerNeverLetsTheWatchPass()
    {
        var node = new ScriptedNode(_ => (503, false));
        var (watch, _, log) = Setup(node);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10)); // the window ends at slot 9, about 6 s in
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => watch.WatchAsync([7], cts.Token));
        Assert.DoesNotContain(log, l => l.Contains("signing from now on", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("watching again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ANodeWithoutLivenessIsAClearError()
    {
        var node = new ScriptedNode(_ => (404, false));
        var (watch, _, _) = Setup(node);
        var ex = await Assert.ThrowsAsync<ValidatorException>(() => watch.WatchAsync([7], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.IsNotType<DoppelgangerException>(ex);
        Assert.Contains("does not answer validator/liveness", ex.Message);
        Assert.Contains("--no-doppelganger-protection", ex.Message);
    }
}
