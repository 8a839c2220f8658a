using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;

namespace Cirrus.Consensus.Tests;

/// <summary>The real zinken and altona genesis states under their network configs.</summary>
public class TestnetGenesisTests
{
    [Theory]
    [InlineData("zinken", 3761)]
    [InlineData("altona", 685)]
    public void GenesisLoadsAndAdvancesTwoEpochs(string name, int validators)
    {
        var network = Networks.FromDirectory(Path.Combine(TestPaths.Testnets, name), TestPaths.ReadIfExists);
        Assert.NotNull(network.GenesisState);
        var c = network.Config;
        var state = c.Schema.Deserialize<BeaconState>(network.GenesisState);
        Assert.Equal(validators, state.Validators.Count);
        Assert.Equal(0UL, state.Slot);
        Assert.Equal(c.GenesisForkVersion, state.Fork.CurrentVersion);
        Assert.Equal(state.GenesisValidatorsRoot, Eth1Genesis.GenesisValidatorsRoot(c, state));
        Assert.True(Eth1Genesis.IsValidGenesisState(c, state));
        var builtin = Networks.Builtin(name)!.Config;
        Assert.Equal(state.GenesisValidatorsRoot, Eth1Genesis.GenesisValidatorsRoot(builtin, state));

        var genesisRoot = c.Schema.HashTreeRoot(state);
        var genesisBalances = state.Balances.ToArray();
        var cs = new CachedBeaconState(c, state);
        StateTransition.ProcessSlots(cs, 2 * c.SlotsPerEpoch);
        Assert.Equal(2 * c.SlotsPerEpoch, state.Slot);
        Assert.Equal(genesisRoot, state.StateRoots[0]);
        // No blocks: every block root is the genesis block's, nothing is justified, and every active
        // validator is penalised at the end of epoch 1 for not attesting in epoch 0.
        var genesisBlockRoot = state.BlockRoots[0];
        for (int i = 1; i < (int)(2 * c.SlotsPerEpoch); i++) Assert.Equal(genesisBlockRoot, state.BlockRoots[i]);
        Assert.Equal(0UL, state.CurrentJustifiedCheckpoint.Epoch);
        int active = state.Validators.Count(v => v.ActivationEpoch == 0);
        int penalised = 0;
        for (int i = 0; i < state.Validators.Count; i++)
            if (state.Validators[i].ActivationEpoch == 0 && state.Balances[i] < genesisBalances[i]) penalised++;
        Assert.Equal(active, penalised);
    }
}
