using System.Buffers.Binary;
using Cirrus.Consensus.Config;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Helpers;

/// <summary>spec: validator.md helpers shared by the node (checking aggregates) and the validator client.</summary>
public static class ValidatorHelpers
{
    /// <summary>
    /// spec: is_aggregator, from the committee's length and the validator's slot signature
    /// (its selection proof): bytes_to_int(hash(sig)[0:8]) % max(1, len // TARGET_AGGREGATORS_PER_COMMITTEE) == 0.
    /// </summary>
    public static bool IsAggregator(ChainConfig c, int committeeLength, Bytes96 slotSignature)
    {
        ulong modulo = Math.Max(1UL, (ulong)committeeLength / c.TargetAggregatorsPerCommittee);
        var h = MathHelpers.Hash(slotSignature.AsSpan());
        return BinaryPrimitives.ReadUInt64LittleEndian(h.AsSpan()) % modulo == 0;
    }

    /// <summary>The signing root of get_slot_signature (the selection proof) for <paramref name="slot"/> under <paramref name="domain"/> (DOMAIN_SELECTION_PROOF).</summary>
    public static Bytes32 SlotSigningRoot(ChainConfig c, ulong slot, Bytes32 domain) => Misc.ComputeSigningRoot(c, Misc.EpochRoot(slot), domain);
}
