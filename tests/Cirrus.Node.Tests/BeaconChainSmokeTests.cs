using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Xunit;

namespace Cirrus.Node.Tests;

public class BeaconChainSmokeTests
{
    [Fact]
    public void GenesisChainHeadIsGenesisBlock()
    {
        var config = Networks.Preset("minimal")!;
        var state = InteropGenesis.CreateGenesisState(config, 64, 1_600_000_000);
        var chain = new BeaconChain(config, state, null);
        Assert.Equal(chain.GenesisBlockRoot, chain.Head);
        Assert.Equal(0UL, chain.FinalizedCheckpoint.Epoch);
    }
}
