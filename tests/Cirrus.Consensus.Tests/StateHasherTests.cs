using Cirrus.Consensus.Config;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Tests;

public class StateHasherTests
{
    [Fact]
    public void CachedRootEqualsSszRootThroughMutations()
    {
        var c = ChainConfig.Minimal;
        var rng = new Random(7);
        var s = c.Schema.Default<BeaconState>();
        var hasher = new StateHasher(c);
        Assert.Equal(c.Schema.HashTreeRoot(s), hasher.HashTreeRoot(s));
        var buf = new byte[48];
        for (int round = 0; round < 60; round++)
        {
            int op = rng.Next(10);
            switch (op)
            {
                case 0:
                case 1:
                    for (int k = rng.Next(1, 40); k > 0; k--)
                    {
                        rng.NextBytes(buf);
                        s.Validators.Add(new Validator { Pubkey = Bytes48.FromSpan(buf), EffectiveBalance = (ulong)rng.Next(), ExitEpoch = ulong.MaxValue });
                        s.Balances.Add((ulong)rng.NextInt64());
                    }
                    break;
                case 2:
                    if (s.Validators.Count > 0)
                    {
                        var v = s.Validators[rng.Next(s.Validators.Count)];
                        v.Slashed = !v.Slashed;
                        v.ExitEpoch = (ulong)rng.Next(1000);
                        s.Balances[rng.Next(s.Balances.Count)] = (ulong)rng.NextInt64();
                    }
                    break;
                case 3:
                    rng.NextBytes(buf);
                    s.RandaoMixes[rng.Next(s.RandaoMixes.Length)] = Bytes32.FromSpan(buf.AsSpan(0, 32));
                    s.BlockRoots[rng.Next(s.BlockRoots.Length)] = Bytes32.FromSpan(buf.AsSpan(8, 32));
                    s.StateRoots[rng.Next(s.StateRoots.Length)] = Bytes32.FromSpan(buf.AsSpan(16, 32));
                    break;
                case 4:
                    s.Slashings[rng.Next(s.Slashings.Length)] = (ulong)rng.NextInt64();
                    rng.NextBytes(buf);
                    s.HistoricalRoots.Add(Bytes32.FromSpan(buf.AsSpan(0, 32)));
                    break;
                case 5:
                    s.CurrentEpochAttestations.Add(new PendingAttestation
                    {
                        AggregationBits = new Bitlist(rng.Next(1, 20)), InclusionDelay = (ulong)rng.Next(5),
                        Data = new AttestationData { Slot = (ulong)rng.Next(100) },
                    });
                    break;
                case 6:
                    s.PreviousEpochAttestations = s.CurrentEpochAttestations;
                    s.CurrentEpochAttestations = [];
                    break;
                case 7:
                    if (s.Validators.Count > 3)
                    {
                        // A registry that shrinks (a different state handed to the same hasher).
                        int keep = rng.Next(s.Validators.Count);
                        s.Validators.RemoveRange(keep, s.Validators.Count - keep);
                        s.Balances.RemoveRange(keep, s.Balances.Count - keep);
                    }
                    if (s.HistoricalRoots.Count > 0) s.HistoricalRoots.RemoveAt(s.HistoricalRoots.Count - 1);
                    break;
                default:
                    s.Slot++;
                    s.Eth1DataVotes.Add(new Eth1Data { DepositCount = (ulong)rng.Next() });
                    s.JustificationBits[rng.Next(4)] = rng.Next(2) == 1;
                    break;
            }
            Assert.Equal(c.Schema.HashTreeRoot(s), hasher.HashTreeRoot(s));
            if (round % 10 == 9)
            {
                var clone = hasher.Clone();
                Assert.Equal(c.Schema.HashTreeRoot(s), clone.HashTreeRoot(s));
            }
        }
    }
}
