using System.Globalization;
using Cirrus.Api.Types;

namespace Cirrus.Validator.Client;

/// <summary>Another client signs with our keys: this one must not sign at all.</summary>
public sealed class DoppelgangerException(string message) : ValidatorException(message);

/// <summary>
/// Doppelganger protection: before the client signs anything, it watches the chain through the node's
/// validator/liveness for <see cref="WatchEpochs"/> whole epochs after the one it started in. Any attestation or
/// block by one of our validators in those epochs (included in a block, or in the node's pool) means another
/// client runs our keys, and this one stops without signing. The start epoch itself is not watched: a client
/// restarted within an epoch may have signed in it before the restart.
/// </summary>
public sealed class Doppelganger(BeaconNodePool nodes, SlotClock clock, Action<string> log)
{
    public const int WatchEpochs = 2;

    /// <summary>
    /// Returns when the watch found nothing (at once when the chain has not started: nothing can have been signed on it).
    /// Throws <see cref="DoppelgangerException"/> when our keys are live, <see cref="ValidatorException"/> when the node cannot answer liveness.
    /// </summary>
    public async Task WatchAsync(IReadOnlyCollection<ulong> indices, CancellationToken ct)
    {
        if (clock.CurrentSlot() is not { } startSlot)
        {
            log("doppelganger protection: the chain has not started, so no other client can have signed on it: no wait");
            return;
        }
        if (indices.Count == 0)
        {
            log("doppelganger protection: none of our keys is in the registry yet, so none can have signed: no wait");
            return;
        }
        var ordered = indices.Order().ToList();
        ulong start = clock.EpochOf(startSlot);
        while (true)
        {
            ulong first = start + 1, last = start + WatchEpochs;
            // one slot into the epoch after the window: the window's last attestations have reached blocks or the pool
            ulong endSlot = (last + 1) * clock.SlotsPerEpoch + 1;
            long seconds = (clock.SlotStartMs(endSlot) - clock.Now().ToUnixTimeMilliseconds()) / 1000;
            log($"doppelganger protection: watching epochs {first}-{last} for attestations or blocks by our {ordered.Count} validator(s) " +
                $"before signing anything (until slot {endSlot}, about {seconds} s); --no-doppelganger-protection skips this");
            // an epoch counts as clean only when the node answered for it after it ended (its view then is complete)
            var clean = new HashSet<ulong>();
            ulong slot;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                slot = clock.CurrentSlot() ?? startSlot;
                ulong epoch = clock.EpochOf(slot);
                for (ulong e = Math.Max(first, epoch == 0 ? 0 : epoch - 1); e <= Math.Min(epoch, last); e++)
                {
                    ulong ep = e;
                    Dictionary<ulong, bool> live;
                    try
                    {
                        live = await nodes.RunAsync(c => c.GetLivenessAsync(ep, ordered, ct), ct);
                    }
                    catch (BeaconApiException ex) when (ex.StatusCode is 404 or 405 or 501)
                    {
                        throw new ValidatorException($"doppelganger protection: the beacon node does not answer validator/liveness ({ex.Message}); " +
                            "use a node that does, or start with --no-doppelganger-protection if you are sure no other client runs these keys");
                    }
                    catch (BeaconApiException ex)
                    {
                        log($"doppelganger protection: liveness of epoch {ep} not available: {ex.Message}");
                        continue;
                    }
                    var seen = live.Where(kv => kv.Value).Select(kv => kv.Key).Order().ToList();
                    if (seen.Count > 0)
                        throw new DoppelgangerException(
                            $"doppelganger detected: validator(s) {string.Join(", ", seen.Take(16).Select(i => i.ToString(CultureInfo.InvariantCulture)))}" +
                            (seen.Count > 16 ? $" and {seen.Count - 16} more" : "") +
                            $" attested or proposed in epoch {ep}, after this client started, so another validator client is running these keys. " +
                            "Nothing was signed. Stop the other client (running both gets the validators slashed), wait two epochs, then start this one again.");
                    if (ep < epoch && ordered.All(live.ContainsKey)) clean.Add(ep);
                }
                if (slot >= endSlot) break;
                await clock.WaitUntilAsync(clock.SlotStartMs(slot + 1) + (long)clock.SecondsPerSlot * 500, ct);
            }
            var unchecked_ = Enumerable.Range(0, WatchEpochs).Select(i => first + (ulong)i).Where(e => !clean.Contains(e)).ToList();
            if (unchecked_.Count == 0)
            {
                log($"doppelganger protection: no attestation or block by our validators in epochs {first}-{last}: signing from now on");
                return;
            }
            // never sign on a watch the node could not answer: watch again
            log($"doppelganger protection: the node could not answer for epoch(s) {string.Join(", ", unchecked_)} once they were over: watching again");
            start = clock.EpochOf(slot);
        }
    }
}
