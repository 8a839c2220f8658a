using Cirrus.Consensus.Helpers;

namespace Cirrus.Node;

/// <summary>
/// The node's clock: wakes at the start of every slot, advances fork choice (which imports blocks
/// that were waiting for their slot) and reports the chain's status once per slot.
/// </summary>
public static class SlotTicker
{
    public static async Task RunAsync(BeaconChain chain, Func<DateTimeOffset> now, Action<string> log, CancellationToken ct, Action? onSlot = null,
        Func<string>? statusSuffix = null)
    {
        ulong sps = chain.Config.SecondsPerSlot;
        long genesisMs = (long)chain.GenesisTime * 1000;
        ulong? last = null;
        while (!ct.IsCancellationRequested)
        {
            long nowMs = now().ToUnixTimeMilliseconds();
            if (nowMs < genesisMs)
            {
                long wait = genesisMs - nowMs;
                log($"waiting for genesis in {(wait + 999) / 1000} s");
                await Delay(Math.Min(wait, (long)sps * 1000), ct);
                continue;
            }
            ulong slot = (ulong)(nowMs - genesisMs) / (sps * 1000);
            if (slot != last)
            {
                chain.OnTick((ulong)(nowMs / 1000));
                log(Status(chain, slot) + (statusSuffix?.Invoke() ?? ""));
                onSlot?.Invoke();
                last = slot;
            }
            long nextMs = genesisMs + (long)((slot + 1) * sps * 1000);
            await Delay(Math.Max(1, nextMs - now().ToUnixTimeMilliseconds()), ct);
        }
    }

    private static async Task Delay(long ms, CancellationToken ct)
    {
        try { await Task.Delay(TimeSpan.FromMilliseconds(ms), ct); }
        catch (OperationCanceledException) { }
    }

    /// <summary>One status line: slot, head, finality.</summary>
    public static string Status(BeaconChain chain, ulong slot)
    {
        var c = chain.Config;
        var head = chain.Head;
        ulong headSlot = chain.HeadSlot;
        string behind = slot > headSlot ? $" ({slot - headSlot} behind)" : "";
        int queued = chain.QueuedBlocks;
        return $"slot {slot} epoch {Misc.ComputeEpochAtSlot(c, slot)} | head {Short(head.ToString())} slot {headSlot}{behind} | " +
            $"justified {chain.JustifiedCheckpoint.Epoch} | finalized {chain.FinalizedCheckpoint.Epoch}" + (queued > 0 ? $" | queued {queued}" : "");
    }

    private static string Short(string hex) => hex.Length > 10 ? hex[..10] + ".." : hex;
}
