using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Eth1;

/// <summary>
/// An eth1 block as eth1 voting sees it (spec: validator.md FollowedEth1Block plus get_eth1_data): its hash and
/// timestamp, and the deposit contract's root and count once every deposit up to and including it is in.
/// </summary>
public sealed record FollowedEth1Block(ulong Number, Bytes32 Hash, ulong Timestamp, Bytes32 DepositRoot, ulong DepositCount);

/// <summary>spec: validator.md "Eth1 Data".</summary>
public static class Eth1Voting
{
    /// <summary>spec: compute_time_at_slot.</summary>
    public static ulong ComputeTimeAtSlot(ChainConfig c, BeaconState state, ulong slot) => state.GenesisTime + slot * c.SecondsPerSlot;

    /// <summary>spec: voting_period_start_time.</summary>
    public static ulong VotingPeriodStartTime(ChainConfig c, BeaconState state)
    {
        ulong periodSlots = c.EpochsPerEth1VotingPeriod * c.SlotsPerEpoch;
        return ComputeTimeAtSlot(c, state, state.Slot - state.Slot % periodSlots);
    }

    /// <summary>spec: is_candidate_block.</summary>
    public static bool IsCandidateBlock(ChainConfig c, FollowedEth1Block block, ulong periodStart) =>
        block.Timestamp + c.SecondsPerEth1Block * c.Eth1FollowDistance <= periodStart
        && block.Timestamp + c.SecondsPerEth1Block * c.Eth1FollowDistance * 2 >= periodStart;

    /// <summary>spec: get_eth1_data.</summary>
    public static Eth1Data GetEth1Data(FollowedEth1Block block) =>
        new() { DepositRoot = block.DepositRoot, DepositCount = block.DepositCount, BlockHash = block.Hash };

    /// <summary>
    /// spec: get_eth1_vote. <paramref name="eth1Chain"/> is sorted by ascending height. With no
    /// candidate block (the eth1 node down or far behind) the vote falls back to the state's eth1_data.
    /// </summary>
    public static Eth1Data GetEth1Vote(ChainConfig c, BeaconState state, IReadOnlyList<FollowedEth1Block> eth1Chain)
    {
        ulong periodStart = VotingPeriodStartTime(c, state);
        var votesToConsider = new List<Eth1Data>();
        foreach (var block in eth1Chain)
            if (IsCandidateBlock(c, block, periodStart) && block.DepositCount >= state.Eth1Data.DepositCount)
                votesToConsider.Add(GetEth1Data(block));

        // Valid votes already cast during this period, in order.
        var validVotes = new List<Eth1Data>();
        foreach (var vote in state.Eth1DataVotes)
            if (votesToConsider.Exists(v => Same(v, vote))) validVotes.Add(vote);

        var defaultVote = votesToConsider.Count > 0 ? votesToConsider[^1] : state.Eth1Data;
        // max by (count, -first index): the most frequent, ties to the earliest cast.
        Eth1Data? best = null;
        int bestCount = 0;
        for (int i = 0; i < validVotes.Count; i++)
        {
            if (validVotes.FindIndex(v => Same(v, validVotes[i])) != i) continue; // counted at its first index
            int count = 0;
            foreach (var v in validVotes) if (Same(v, validVotes[i])) count++;
            if (count > bestCount) { best = validVotes[i]; bestCount = count; }
        }
        var chosen = best ?? defaultVote;
        return new Eth1Data { DepositRoot = chosen.DepositRoot, DepositCount = chosen.DepositCount, BlockHash = chosen.BlockHash };
    }

    /// <summary>The state's eth1_data once a block voting <paramref name="vote"/> is applied (spec: process_eth1_data).</summary>
    public static Eth1Data Eth1DataAfterVote(ChainConfig c, BeaconState state, Eth1Data vote)
    {
        ulong count = 1;
        foreach (var v in state.Eth1DataVotes) if (Same(v, vote)) count++;
        return count * 2 > c.EpochsPerEth1VotingPeriod * c.SlotsPerEpoch ? vote : state.Eth1Data;
    }

    public static bool Same(Eth1Data a, Eth1Data b) =>
        a.DepositCount == b.DepositCount && a.DepositRoot == b.DepositRoot && a.BlockHash == b.BlockHash;
}
