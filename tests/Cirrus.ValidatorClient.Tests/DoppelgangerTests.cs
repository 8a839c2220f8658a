using Cirrus.Consensus.Helpers;
using Cirrus.Validator.Client;
using Cirrus.Validator.Keys;

namespace Cirrus.ValidatorClient.Tests;

/// <summary>Doppelganger protection against a real in-process node: keys nobody runs pass the watch and then sign; keys in use are refused.</summary>
public class DoppelgangerTests
{
    private static RunningClient Client(Devnet net, TempDir dir, ulong first, int count, bool protect)
    {
        var keys = InteropKeySource.Keys(first, count);
        return new RunningClient(net.Config, [net.Url], dir.Path, keys, protect: protect);
    }

    [Fact]
    public async Task UnusedKeysWaitTwoEpochsThenSignWhileKeysInUseAreRefusedWithoutSigning()
    {
        var config = Devnet.ShortSlots(1);
        ulong spe = config.SlotsPerEpoch;
        await using var net = await Devnet.StartAsync(config, 32, TimeSpan.FromSeconds(3));
        using var d1 = new TempDir();
        using var d2 = new TempDir();
        using var d3 = new TempDir();
        // started before genesis: nothing can have been signed, no wait
        await using var running = Client(net, d1, 0, 24, protect: true);
        var end = DateTime.UtcNow.AddSeconds(40);
        while (net.Chain.CurrentSlot < spe + 1 && DateTime.UtcNow < end) await Task.Delay(100);
        Assert.Contains(running.Log, l => l.Contains("the chain has not started", StringComparison.Ordinal));
        ulong started = net.Chain.CurrentSlot / spe;
        Assert.True(started >= 1, $"epoch {started}");

        await using var fresh = Client(net, d2, 24, 8, protect: true);
        var twin = Client(net, d3, 0, 4, protect: true);
        // the twin sees the running client's attestations in the first watched epoch and stops, having signed nothing
        var ex = await Assert.ThrowsAsync<DoppelgangerException>(() => twin.Run.WaitAsync(TimeSpan.FromSeconds((2 * spe + 4) * config.SecondsPerSlot)));
        Assert.Contains("doppelganger detected", ex.Message);
        Assert.Contains($"epoch {started + 1}", ex.Message);
        await twin.DisposeAsync();
        using (var db = Cirrus.Validator.SlashingProtection.SlashingProtectionDb.OpenExisting(
            Cirrus.Validator.SlashingProtection.SlashingProtectionDb.PathIn(d3.Path)))
        {
            var records = db.Export().Data;
            Assert.Equal(4, records.Count);
            Assert.All(records, r => Assert.Empty(r.SignedAttestations));
            Assert.All(records, r => Assert.Empty(r.SignedBlocks));
        }

        // the fresh keys pass the watch (epochs started+1 and +2), then their votes reach the chain
        ulong watchEnd = (started + 3) * spe + 1;
        end = DateTime.UtcNow.AddSeconds((watchEnd + 3 * spe) * config.SecondsPerSlot);
        bool voted = false;
        while (!voted && DateTime.UtcNow < end && !fresh.Run.IsCompleted)
        {
            await Task.Delay(500);
            var (_, state) = net.Chain.GetCanonicalState(net.Chain.HeadSlot)!.Value;
            foreach (var p in state.State.PreviousEpochAttestations.Concat(state.State.CurrentEpochAttestations))
                if (BeaconStateAccessors.GetAttestingIndices(state, p.Data, p.AggregationBits).Any(i => i >= 24)) voted = true;
        }
        Assert.False(fresh.Run.IsCompleted, fresh.Run.Exception?.ToString());
        string log = string.Join("\n", fresh.Log);
        Assert.True(voted, "the fresh keys never attested:\n" + log);
        Assert.Contains($"watching epochs {started + 1}-{started + 2}", log);
        Assert.Contains("signing from now on", log);
        // and nothing of theirs was signed before the watch ended
        var first = net.Chain.GetCanonicalState(net.Chain.HeadSlot)!.Value.State;
        foreach (var p in first.State.PreviousEpochAttestations.Concat(first.State.CurrentEpochAttestations))
            if (BeaconStateAccessors.GetAttestingIndices(first, p.Data, p.AggregationBits).Any(i => i >= 24))
                Assert.True(p.Data.Slot >= watchEnd - 1, $"a fresh key attested at slot {p.Data.Slot}, before the watch ended at {watchEnd}");
    }
}
