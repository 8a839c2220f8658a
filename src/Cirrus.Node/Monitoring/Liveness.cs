using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;

namespace Cirrus.Node.Monitoring;

/// <summary>
/// Which validators showed signs of life in an epoch, as this node saw it: an attestation for the epoch in
/// the head state (included in a block) or in the attestation pool (from gossip or the API), or a block
/// proposed in one of the epoch's slots. What validator clients' doppelganger protection asks
/// (validator/liveness).
/// </summary>
public static class Liveness
{
    /// <summary>The subset of <paramref name="asked"/> live in <paramref name="epoch"/> (null when the head state is unavailable).</summary>
    public static HashSet<ulong>? LiveIn(BeaconChain chain, ulong epoch, IReadOnlySet<ulong> asked)
    {
        if (chain.GetCanonicalState(chain.HeadSlot) is not { } head) return null;
        var cs = head.State;
        var live = new HashSet<ulong>();
        // a head far behind the clock holds no attestations for the asked epoch, nor can it shuffle it
        if (epoch > cs.CurrentEpoch + 1 || epoch + 1 < cs.CurrentEpoch) return live;
        var shuffling = cs.GetShuffling(epoch);
        void Mark(AttestationData data, Cirrus.Ssz.Bitlist bits)
        {
            if (data.Target.Epoch != epoch || data.Index >= shuffling.CommitteesPerSlot || data.Slot / chain.Config.SlotsPerEpoch != epoch) return;
            var committee = shuffling.Committee(data.Slot, data.Index);
            for (int k = 0; k < committee.Length && k < bits.Count; k++)
                if (bits[k] && asked.Contains((ulong)committee[k])) live.Add((ulong)committee[k]);
        }
        foreach (var a in cs.State.PreviousEpochAttestations) Mark(a.Data, a.AggregationBits);
        foreach (var a in cs.State.CurrentEpochAttestations) Mark(a.Data, a.AggregationBits);
        foreach (var a in chain.Attestations.GetAll()) Mark(a.Data, a.AggregationBits);
        ulong first = epoch * chain.Config.SlotsPerEpoch, last = Math.Min(first + chain.Config.SlotsPerEpoch - 1, chain.HeadSlot);
        for (ulong slot = Math.Max(first, 1); slot <= last; slot++)
            if (chain.CanonicalRootAt(slot) is { } root && chain.GetBlock(root)?.Message is { } block && block.Slot == slot && asked.Contains(block.ProposerIndex))
                live.Add(block.ProposerIndex);
        return live;
    }
}
