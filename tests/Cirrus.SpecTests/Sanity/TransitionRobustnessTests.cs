using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using static Cirrus.SpecTests.StateTransitionVectors;

namespace Cirrus.SpecTests.Sanity;

/// <summary>
/// Mutated blocks and states from real vectors: decoding fails with SszException, or the transition
/// succeeds or fails with StateTransitionException — never another exception type.
/// </summary>
public class TransitionRobustnessTests
{
    public static IEnumerable<object[]> Cases() =>
        new[] { "attestation", "attester_slashing", "proposer_slashing", "deposit_in_block", "voluntary_exit", "historical_batch" }
            .Select(n => new object[] { n });

    [Theory, MemberData(nameof(Cases))]
    public void MutatedBlocksFailCleanly(string name)
    {
        string dir = SpecTestPaths.Resolve("minimal/phase0/sanity/blocks/pyspec_tests/" + name);
        var c = Config("minimal/");
        byte[] pre = File.ReadAllBytes(Path.Combine(dir, "pre.ssz"));
        byte[] block = File.ReadAllBytes(Path.Combine(dir, "blocks_0.ssz"));
        var rng = new Random(name.GetHashCode(StringComparison.Ordinal));
        int decoded = 0, rejected = 0;
        for (int round = 0; round < 60; round++)
        {
            byte[] mutated = (byte[])block.Clone();
            int flips = 1 + rng.Next(3);
            for (int k = 0; k < flips; k++)
            {
                int at = rng.Next(mutated.Length);
                // Bias towards the fixed part (slot, proposer, roots, offsets) and small integers.
                if (rng.Next(2) == 0) at = rng.Next(Math.Min(mutated.Length, 400));
                mutated[at] ^= (byte)(1 << rng.Next(8));
            }
            SignedBeaconBlock b;
            try { b = c.Schema.Deserialize<SignedBeaconBlock>(mutated); }
            catch (SszException) { continue; }
            decoded++;
            var cs = new CachedBeaconState(c, c.Schema.Deserialize<BeaconState>(pre));
            // A block far ahead is valid input but costs one process_slot per slot: keep the test short
            // (a node bounds this before the transition, by the wall clock).
            if (b.Message.Slot > cs.State.Slot + 4 * c.SlotsPerEpoch) continue;
            try { StateTransition.Apply(cs, b, null, validateResult: true); }
            catch (StateTransitionException) { rejected++; }
        }
        Assert.True(decoded > 10, $"only {decoded} mutations decoded");
        Assert.True(rejected > 0);
    }

    [Fact]
    public void MutatedStatesFailCleanly()
    {
        string dir = SpecTestPaths.Resolve("minimal/phase0/sanity/blocks/pyspec_tests/attestation");
        var c = Config("minimal/");
        byte[] pre = File.ReadAllBytes(Path.Combine(dir, "pre.ssz"));
        var blocks = Directory.GetFiles(dir, "blocks_*.ssz").Select(f => c.Schema.Deserialize<SignedBeaconBlock>(File.ReadAllBytes(f))).ToArray();
        var rng = new Random(11);
        for (int round = 0; round < 40; round++)
        {
            var state = c.Schema.Deserialize<BeaconState>(pre);
            switch (round % 5)
            {
                case 0: state.Balances.RemoveAt(state.Balances.Count - 1); break;
                case 1:
                    foreach (var v in state.Validators) v.ExitEpoch = (ulong)rng.Next(3);
                    break;
                case 2:
                    if (state.CurrentEpochAttestations.Count > 0) state.CurrentEpochAttestations[0].Data.Index = 1000;
                    state.PreviousEpochAttestations.Add(new PendingAttestation { Data = new AttestationData { Index = 77 }, AggregationBits = new Bitlist(3) });
                    break;
                case 3: state.Slot = ulong.MaxValue - 2 * c.SlotsPerEpoch - (ulong)rng.Next(3); break;
                default: state.LatestBlockHeader.Slot = state.Slot + 5; break;
            }
            try
            {
                var cs = new CachedBeaconState(c, state);
                foreach (var b in blocks)
                    if (b.Message.Slot <= state.Slot + 4 * c.SlotsPerEpoch) StateTransition.Apply(cs, b, null, validateResult: false);
                if (state.Slot < ulong.MaxValue - 4 * c.SlotsPerEpoch) StateTransition.ProcessSlots(cs, cs.State.Slot + 2 * c.SlotsPerEpoch);
            }
            catch (StateTransitionException) { }
        }
    }
}
