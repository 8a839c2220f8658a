using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Benchmarks;

/// <summary>
/// Synthesized mainnet-preset states of any size for the state-transition benchmarks: every
/// validator active, the state at the last slot of an epoch, pending attestations from every
/// committee of the previous and current epochs (about 97% of bits set) so that epoch processing
/// does its full work. Validator pubkeys are drawn from a small set of real keys so that blocks
/// with valid aggregate signatures can be built without deriving a million keys.
/// </summary>
internal static class StateTransitionSetup
{
    public const ulong Epoch = 10;

    public static ChainConfig Config => ChainConfig.Mainnet;

    /// <summary>A state at the last slot of <see cref="Epoch"/> with <paramref name="n"/> validators.</summary>
    public static CachedBeaconState Synthesize(int n, Func<int, Bytes48> pubkeyOf)
    {
        var c = Config;
        var rng = new Random(12345);
        var s = c.Schema.Default<BeaconState>();
        s.GenesisTime = 1_600_000_000;
        s.Slot = Epoch * c.SlotsPerEpoch + c.SlotsPerEpoch - 1;
        s.Fork = new Fork { PreviousVersion = c.GenesisForkVersion, CurrentVersion = c.GenesisForkVersion, Epoch = 0 };
        var buf = new byte[32];
        for (int i = 0; i < s.BlockRoots.Length; i++) { rng.NextBytes(buf); s.BlockRoots[i] = Bytes32.FromSpan(buf); }
        for (int i = 0; i < s.StateRoots.Length; i++) { rng.NextBytes(buf); s.StateRoots[i] = Bytes32.FromSpan(buf); }
        for (int i = 0; i < s.RandaoMixes.Length; i++) { rng.NextBytes(buf); s.RandaoMixes[i] = Bytes32.FromSpan(buf); }
        s.LatestBlockHeader = new BeaconBlockHeader { Slot = s.Slot - 1, ProposerIndex = 0, BodyRoot = s.BlockRoots[0] };
        for (int i = 0; i < n; i++)
        {
            rng.NextBytes(buf);
            buf[0] = 0;
            s.Validators.Add(new Validator
            {
                Pubkey = pubkeyOf(i),
                WithdrawalCredentials = Bytes32.FromSpan(buf),
                EffectiveBalance = c.MaxEffectiveBalance,
                ActivationEligibilityEpoch = 0,
                ActivationEpoch = 0,
                ExitEpoch = ChainConfig.FarFutureEpoch,
                WithdrawableEpoch = ChainConfig.FarFutureEpoch,
            });
            s.Balances.Add(c.MaxEffectiveBalance - 500_000_000 + (ulong)rng.Next(1_000_000_000));
        }
        s.JustificationBits[0] = true;
        s.JustificationBits[1] = true;
        s.PreviousJustifiedCheckpoint = new Checkpoint { Epoch = Epoch - 2, Root = s.BlockRoots[(int)((Epoch - 2) * c.SlotsPerEpoch % c.SlotsPerHistoricalRoot)] };
        s.CurrentJustifiedCheckpoint = new Checkpoint { Epoch = Epoch - 1, Root = s.BlockRoots[(int)((Epoch - 1) * c.SlotsPerEpoch % c.SlotsPerHistoricalRoot)] };
        s.FinalizedCheckpoint = new Checkpoint { Epoch = Epoch - 3, Root = s.BlockRoots[(int)((Epoch - 3) * c.SlotsPerEpoch % c.SlotsPerHistoricalRoot)] };

        var cs = new CachedBeaconState(c, s);
        AddPendingAttestations(cs, Epoch - 1, s.PreviousEpochAttestations, s.PreviousJustifiedCheckpoint, rng, lastSlot: ulong.MaxValue);
        AddPendingAttestations(cs, Epoch, s.CurrentEpochAttestations, s.CurrentJustifiedCheckpoint, rng, lastSlot: s.Slot - 1);
        return cs;
    }

    private static void AddPendingAttestations(CachedBeaconState cs, ulong epoch, List<PendingAttestation> into, Checkpoint source,
        Random rng, ulong lastSlot)
    {
        var c = cs.Config;
        var s = cs.State;
        var shuffling = cs.GetShuffling(epoch);
        ulong start = epoch * c.SlotsPerEpoch;
        var targetRoot = s.BlockRoots[(int)(start % c.SlotsPerHistoricalRoot)];
        for (ulong slot = start; slot < start + c.SlotsPerEpoch && slot <= lastSlot; slot++)
        {
            for (ulong index = 0; index < shuffling.CommitteesPerSlot; index++)
            {
                var committee = shuffling.Committee(slot, index);
                var bits = new Bitlist(committee.Length);
                for (int k = 0; k < committee.Length; k++) bits[k] = rng.Next(100) < 97;
                into.Add(new PendingAttestation
                {
                    AggregationBits = bits,
                    Data = new AttestationData
                    {
                        Slot = slot,
                        Index = index,
                        BeaconBlockRoot = s.BlockRoots[(int)(slot % c.SlotsPerHistoricalRoot)],
                        Source = source.Copy(),
                        Target = new Checkpoint { Epoch = epoch, Root = targetRoot },
                    },
                    InclusionDelay = 1 + (ulong)rng.Next(3),
                    ProposerIndex = (ulong)shuffling.ActiveIndices[rng.Next(shuffling.ActiveIndices.Length)],
                });
            }
        }
    }

    /// <summary>Random (invalid) pubkey bytes: enough where no signature is checked.</summary>
    public static Func<int, Bytes48> RandomPubkeys()
    {
        return i =>
        {
            var b = new byte[48];
            new Random(i).NextBytes(b);
            return Bytes48.FromSpan(b);
        };
    }
}
