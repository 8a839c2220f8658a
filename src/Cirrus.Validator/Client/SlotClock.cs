namespace Cirrus.Validator.Client;

/// <summary>
/// The chain's clock as the validator client sees it: slots counted from genesis, and the points in a
/// slot where duties fall (spec validator.md: propose at the start, attest at 1/3, aggregate at 2/3).
/// </summary>
public sealed class SlotClock(ulong genesisTime, ulong secondsPerSlot, ulong slotsPerEpoch, Func<DateTimeOffset> now)
{
    public ulong GenesisTime { get; } = genesisTime;
    public ulong SecondsPerSlot { get; } = secondsPerSlot;
    public ulong SlotsPerEpoch { get; } = slotsPerEpoch;
    public Func<DateTimeOffset> Now { get; } = now;

    private long GenesisMs => (long)GenesisTime * 1000;
    private long SlotMs => (long)SecondsPerSlot * 1000;

    /// <summary>The current slot, or null before genesis.</summary>
    public ulong? CurrentSlot()
    {
        long ms = Now().ToUnixTimeMilliseconds();
        return ms < GenesisMs ? null : (ulong)((ms - GenesisMs) / SlotMs);
    }

    public ulong EpochOf(ulong slot) => slot / SlotsPerEpoch;

    /// <summary>Unix time in milliseconds at which <paramref name="slot"/> starts.</summary>
    public long SlotStartMs(ulong slot) => GenesisMs + (long)slot * SlotMs;

    /// <summary>When attestations for the slot are made at the latest: one third into it.</summary>
    public long AttestationDeadlineMs(ulong slot) => SlotStartMs(slot) + SlotMs / 3;

    /// <summary>When aggregates for the slot are made: two thirds into it.</summary>
    public long AggregationTimeMs(ulong slot) => SlotStartMs(slot) + 2 * SlotMs / 3;

    /// <summary>How long from now until <paramref name="unixMs"/> (zero if it has passed).</summary>
    public TimeSpan Until(long unixMs) => TimeSpan.FromMilliseconds(Math.Max(0, unixMs - Now().ToUnixTimeMilliseconds()));

    /// <summary>Waits until <paramref name="unixMs"/>; returns false if cancelled.</summary>
    public async Task<bool> WaitUntilAsync(long unixMs, CancellationToken ct)
    {
        var wait = Until(unixMs);
        if (wait <= TimeSpan.Zero) return !ct.IsCancellationRequested;
        try
        {
            await Task.Delay(wait, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
