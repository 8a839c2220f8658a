using System.Buffers.Binary;
using System.Security.Cryptography;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Helpers;

/// <summary>spec: beacon-chain.md "Beacon state accessors".</summary>
public static class BeaconStateAccessors
{
    public static ulong GetCurrentEpoch(ChainConfig c, BeaconState s) => s.Slot / c.SlotsPerEpoch;

    public static ulong GetPreviousEpoch(ChainConfig c, BeaconState s)
    {
        ulong e = GetCurrentEpoch(c, s);
        return e == ChainConfig.GenesisEpoch ? ChainConfig.GenesisEpoch : e - 1;
    }

    /// <summary>spec: get_block_root.</summary>
    public static Bytes32 GetBlockRoot(ChainConfig c, BeaconState s, ulong epoch) =>
        GetBlockRootAtSlot(c, s, Misc.ComputeStartSlotAtEpoch(c, epoch));

    /// <summary>spec: get_block_root_at_slot.</summary>
    public static Bytes32 GetBlockRootAtSlot(ChainConfig c, BeaconState s, ulong slot)
    {
        if (!(slot < s.Slot && s.Slot <= slot + c.SlotsPerHistoricalRoot))
            throw new StateTransitionException(TransitionError.BlockRootOutOfRange, $"block root of slot {slot} is not available at slot {s.Slot}");
        return s.BlockRoots[(int)(slot % c.SlotsPerHistoricalRoot)];
    }

    /// <summary>spec: get_randao_mix.</summary>
    public static Bytes32 GetRandaoMix(ChainConfig c, BeaconState s, ulong epoch) =>
        s.RandaoMixes[(int)(epoch % c.EpochsPerHistoricalVector)];

    /// <summary>spec: get_active_validator_indices (uncached; see CachedBeaconState.GetShuffling).</summary>
    public static int[] ComputeActiveValidatorIndices(BeaconState s, ulong epoch)
    {
        var validators = s.Validators;
        int n = 0;
        for (int i = 0; i < validators.Count; i++)
            if (Predicates.IsActiveValidator(validators[i], epoch)) n++;
        var result = new int[n];
        int k = 0;
        for (int i = 0; i < validators.Count; i++)
            if (Predicates.IsActiveValidator(validators[i], epoch)) result[k++] = i;
        return result;
    }

    /// <summary>spec: get_seed.</summary>
    public static Bytes32 GetSeed(ChainConfig c, BeaconState s, ulong epoch, Bytes4 domainType)
    {
        var mix = GetRandaoMix(c, s, epoch + c.EpochsPerHistoricalVector - c.MinSeedLookahead - 1);
        Span<byte> buf = stackalloc byte[4 + 8 + 32];
        domainType.AsSpan().CopyTo(buf);
        BinaryPrimitives.WriteUInt64LittleEndian(buf[4..], epoch);
        mix.AsSpan().CopyTo(buf[12..]);
        return MathHelpers.Hash(buf);
    }

    /// <summary>spec: get_beacon_proposer_index for <paramref name="slot"/>, via compute_proposer_index.</summary>
    public static ulong ComputeBeaconProposerIndex(ChainConfig c, BeaconState s, int[] activeIndices, ulong slot)
    {
        ulong epoch = slot / c.SlotsPerEpoch;
        var seed = GetSeed(c, s, epoch, c.DomainBeaconProposer);
        Span<byte> buf = stackalloc byte[40];
        seed.AsSpan().CopyTo(buf);
        BinaryPrimitives.WriteUInt64LittleEndian(buf[32..], slot);
        return ComputeProposerIndex(c, s, activeIndices, MathHelpers.Hash(buf));
    }

    /// <summary>spec: compute_proposer_index.</summary>
    public static ulong ComputeProposerIndex(ChainConfig c, BeaconState s, ReadOnlySpan<int> indices, Bytes32 seed)
    {
        if (indices.Length == 0) throw new StateTransitionException(TransitionError.NoActiveValidators, "no active validators to propose");
        const ulong MaxRandomByte = 255;
        ulong total = (ulong)indices.Length;
        Span<byte> buf = stackalloc byte[40];
        Span<byte> hash = stackalloc byte[32];
        seed.AsSpan().CopyTo(buf);
        ulong cachedBlock = ulong.MaxValue;
        for (ulong i = 0; ; i++)
        {
            int candidate = indices[(int)Shuffling.ComputeShuffledIndex(i % total, total, seed, (int)c.ShuffleRoundCount)];
            if (i / 32 != cachedBlock)
            {
                cachedBlock = i / 32;
                BinaryPrimitives.WriteUInt64LittleEndian(buf[32..], cachedBlock);
                SHA256.HashData(buf, hash);
            }
            ulong randomByte = hash[(int)(i % 32)];
            ulong eb = s.Validators[candidate].EffectiveBalance;
            if (eb * MaxRandomByte >= c.MaxEffectiveBalance * randomByte) return (ulong)candidate;
        }
    }

    /// <summary>spec: get_total_balance (at least EFFECTIVE_BALANCE_INCREMENT).</summary>
    public static ulong GetTotalBalance(ChainConfig c, BeaconState s, ReadOnlySpan<int> indices)
    {
        ulong sum = 0;
        var v = s.Validators;
        foreach (int i in indices) sum += v[i].EffectiveBalance;
        return Math.Max(c.EffectiveBalanceIncrement, sum);
    }

    /// <summary>spec: get_total_active_balance.</summary>
    public static ulong GetTotalActiveBalance(CachedBeaconState cs) =>
        GetTotalBalance(cs.Config, cs.State, cs.GetShuffling(cs.CurrentEpoch).ActiveIndices);

    /// <summary>spec: get_validator_churn_limit.</summary>
    public static ulong GetValidatorChurnLimit(CachedBeaconState cs) =>
        Math.Max(cs.Config.MinPerEpochChurnLimit, (ulong)cs.GetShuffling(cs.CurrentEpoch).ActiveIndices.Length / cs.Config.ChurnLimitQuotient);

    /// <summary>spec: get_committee_count_per_slot.</summary>
    public static ulong GetCommitteeCountPerSlot(CachedBeaconState cs, ulong epoch) => cs.GetShuffling(epoch).CommitteesPerSlot;

    /// <summary>spec: get_beacon_committee.</summary>
    public static ReadOnlySpan<int> GetBeaconCommittee(CachedBeaconState cs, ulong slot, ulong index) =>
        cs.GetShuffling(slot / cs.Config.SlotsPerEpoch).Committee(slot, index);

    /// <summary>spec: get_domain.</summary>
    public static Bytes32 GetDomain(ChainConfig c, BeaconState s, Bytes4 domainType, ulong? epoch = null)
    {
        ulong e = epoch ?? GetCurrentEpoch(c, s);
        var version = e < s.Fork.Epoch ? s.Fork.PreviousVersion : s.Fork.CurrentVersion;
        return Misc.ComputeDomain(c, domainType, version, s.GenesisValidatorsRoot);
    }

    /// <summary>spec: get_attesting_indices, in committee order (a set: committee members are distinct).</summary>
    public static List<ulong> GetAttestingIndices(CachedBeaconState cs, AttestationData data, Bitlist bits)
    {
        var committee = GetBeaconCommittee(cs, data.Slot, data.Index);
        if (bits.Count != committee.Length)
            throw new StateTransitionException(TransitionError.AttestationBitsLengthMismatch,
                $"aggregation bits have {bits.Count} bits for a committee of {committee.Length}");
        var result = new List<ulong>(bits.PopCount());
        for (int i = 0; i < committee.Length; i++)
            if (bits[i]) result.Add((ulong)committee[i]);
        return result;
    }

    /// <summary>spec: get_indexed_attestation.</summary>
    public static IndexedAttestation GetIndexedAttestation(CachedBeaconState cs, Attestation a)
    {
        var indices = GetAttestingIndices(cs, a.Data, a.AggregationBits);
        indices.Sort();
        return new IndexedAttestation { AttestingIndices = indices, Data = a.Data, Signature = a.Signature };
    }
}
