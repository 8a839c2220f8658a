using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Xunit;

namespace Cirrus.Consensus.Tests;

public class StateCopyTests
{
    private static readonly ChainConfig C = ChainConfig.Minimal;

    [Fact]
    public void CopyStateCoversEveryFieldOfTheState()
    {
        // A new BeaconState field must be added to CopyState: this count says so.
        Assert.Equal(21, typeof(BeaconState).GetProperties().Length);
        var s = InteropGenesis.CreateGenesisState(C, 16, 1_600_000_000);
        s.HistoricalRoots.Add(s.GenesisValidatorsRoot);
        s.JustificationBits[1] = true;
        var copy = CachedBeaconState.CopyState(C, s);
        Assert.Equal(C.Schema.Serialize(s), C.Schema.Serialize(copy));
        Assert.Equal(C.Schema.HashTreeRoot(s), C.Schema.HashTreeRoot(copy));
    }

    [Fact]
    public void ChangingACopyLeavesTheOriginalAlone()
    {
        var original = new CachedBeaconState(C, InteropGenesis.CreateGenesisState(C, 64, 1_600_000_000));
        var before = C.Schema.Serialize(original.State);
        var copy = original.Copy();
        // Registry changes (exit, slashing, effective balance) all go through copy-on-write.
        Mutators.InitiateValidatorExit(copy, 3);
        Mutators.SlashValidator(copy, 5);
        copy.State.Balances[7] = 1_000_000_000;
        StateTransition.ProcessSlots(copy, C.SlotsPerEpoch * 2);
        Assert.NotEqual(ChainConfig.FarFutureEpoch, copy.State.Validators[3].ExitEpoch);
        Assert.True(copy.State.Validators[5].Slashed);
        Assert.Equal(before, C.Schema.Serialize(original.State));
        Assert.Equal(ChainConfig.FarFutureEpoch, original.State.Validators[3].ExitEpoch);
        Assert.False(original.State.Validators[5].Slashed);
        Assert.NotSame(original.State.Validators[5], copy.State.Validators[5]);
        Assert.Same(original.State.Validators[20], copy.State.Validators[20]); // untouched records stay shared
    }
}
