using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Genesis;

/// <summary>spec: beacon-chain.md "Genesis".</summary>
public static class Eth1Genesis
{
    /// <summary>
    /// spec: initialize_beacon_state_from_eth1. Deposit signatures are checked through
    /// <paramref name="verifier"/> (null: not checked).
    /// </summary>
    public static BeaconState InitializeBeaconStateFromEth1(ChainConfig c, Bytes32 eth1BlockHash, ulong eth1Timestamp,
        IReadOnlyList<Deposit> deposits, ISignatureVerifier? verifier)
    {
        var schema = c.Schema;
        var state = schema.Default<BeaconState>();
        state.GenesisTime = eth1Timestamp + c.GenesisDelay;
        state.Fork = new Fork { PreviousVersion = c.GenesisForkVersion, CurrentVersion = c.GenesisForkVersion, Epoch = ChainConfig.GenesisEpoch };
        state.Eth1Data = new Eth1Data { BlockHash = eth1BlockHash, DepositCount = (ulong)deposits.Count };
        state.LatestBlockHeader = new BeaconBlockHeader { BodyRoot = schema.HashTreeRoot(new BeaconBlockBody()) };
        Array.Fill(state.RandaoMixes, eth1BlockHash);

        var cs = new CachedBeaconState(c, state);
        var tree = new DepositTree();
        foreach (var deposit in deposits)
        {
            tree.Push(schema.HashTreeRoot(deposit.Data));
            state.Eth1Data.DepositRoot = tree.Root();
            BlockProcessing.ProcessDeposit(cs, deposit, verifier, verifySignatures: verifier != null);
        }
        for (int i = 0; i < state.Validators.Count; i++)
        {
            var v = state.Validators[i];
            ulong balance = state.Balances[i];
            v.EffectiveBalance = Math.Min(balance - balance % c.EffectiveBalanceIncrement, c.MaxEffectiveBalance);
            if (v.EffectiveBalance == c.MaxEffectiveBalance)
            {
                v.ActivationEligibilityEpoch = ChainConfig.GenesisEpoch;
                v.ActivationEpoch = ChainConfig.GenesisEpoch;
            }
        }
        state.GenesisValidatorsRoot = GenesisValidatorsRoot(c, state);
        return state;
    }

    /// <summary>hash_tree_root(state.validators).</summary>
    public static Bytes32 GenesisValidatorsRoot(ChainConfig c, BeaconState state) =>
        new ListType<Validator>(c.Schema.Get<Validator>(), c.ValidatorRegistryLimit).HashTreeRoot(state.Validators);

    /// <summary>spec: is_valid_genesis_state.</summary>
    public static bool IsValidGenesisState(ChainConfig c, BeaconState state)
    {
        if (state.GenesisTime < c.MinGenesisTime) return false;
        ulong active = 0;
        foreach (var v in state.Validators)
            if (v.ActivationEpoch <= ChainConfig.GenesisEpoch && ChainConfig.GenesisEpoch < v.ExitEpoch) active++;
        return active >= c.MinGenesisActiveValidatorCount;
    }
}
