using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;

namespace Cirrus.Consensus.Tests;

public class InteropGenesisTests
{
    [Theory]
    [InlineData(0UL, "25295f0d1d592a90b333e26e85149708208e9f8e8bc18f6c77bd62f8ad7a6866",
        "a99a76ed7796f7be22d5b7e85deeb7c5677e88e511e0b337618f8c4eb61349b4bf2d153f649f7b53359fe8b94a38e44c")]
    [InlineData(1UL, "51d0b65185db6989ab0b560d6deed19c7ead0e24b9b6372cbecb1f26bdfad000",
        "b89bebc699769726a318c8e9971bd3171297c61aea4a6578a7a4f94b547dcba5bac16a89108b6b6a1fe3695d1a874a0b")]
    public void InteropKeysAreTheStandardOnes(ulong index, string secretHex, string pubkeyHex)
    {
        Assert.Equal(secretHex, Convert.ToHexStringLower(InteropGenesis.SecretKeyBytes(index)));
        using var sk = InteropGenesis.SecretKey(index);
        Assert.Equal(pubkeyHex, Convert.ToHexStringLower(sk.PublicKey.ToBytes()));
    }

    [Fact]
    public void MinimalGenesisOf64ValidatorsIsValidAndRuns()
    {
        var c = ChainConfig.Minimal;
        var verifier = new BlsSignatureVerifier();
        var state = InteropGenesis.CreateGenesisState(c, 64, c.MinGenesisTime + 1, verifier);
        Assert.Equal(64, state.Validators.Count); // every deposit signature verified
        Assert.All(state.Validators, v => Assert.Equal(0UL, v.ActivationEpoch));
        Assert.Equal(c.MinGenesisTime + 1, state.GenesisTime);
        Assert.Equal(64UL, state.Eth1DepositIndex);
        Assert.True(Eth1Genesis.IsValidGenesisState(c, state));
        Assert.Equal(state.GenesisValidatorsRoot, Eth1Genesis.GenesisValidatorsRoot(c, state));
        Assert.Equal(0x42, state.Eth1Data.BlockHash.AsSpan()[0]);
        Assert.All(state.Validators, v => Assert.Equal(0, v.WithdrawalCredentials.AsSpan()[0]));
        var cs = new CachedBeaconState(c, state);
        StateTransition.ProcessSlots(cs, 3 * c.SlotsPerEpoch);
        Assert.Equal(3 * c.SlotsPerEpoch, state.Slot);
        Assert.False(Eth1Genesis.IsValidGenesisState(c, InteropGenesis.CreateGenesisState(c, 63, c.MinGenesisTime)));
    }
}
