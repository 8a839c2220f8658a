using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Node.Eth1;
using Cirrus.Ssz;

namespace Cirrus.Cli.Commands;

/// <summary>
/// `cirrus devnet --eth1`: the chain starts the way Medalla's did. An eth1 node (ganache, started here, or one given
/// by --eth1-endpoint) gets the published deposit contract; the interop validators' deposits are sent to it as
/// transactions; genesis is initialize_beacon_state_from_eth1 over the contract's deposits at an eth1 block
/// ETH1_FOLLOW_DISTANCE behind the head, checked with is_valid_genesis_state (MIN_GENESIS_* from the config).
/// </summary>
internal static class DevnetEth1
{
    public const ulong FollowDistance = 4, VotingPeriodEpochs = 2;

    /// <summary>The funded account of a ganache started here (a devnet key, nothing else).</summary>
    public static string DevAccountKey => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes("cirrus devnet eth1 account")));

    public sealed record Setup(string Endpoint, ulong ChainId, string Contract, ulong DeployBlock, string ConfigYaml, BeaconState Genesis);

    /// <summary>Starts ganache on 127.0.0.1:<paramref name="port"/>, keeping its chain in DIR/eth1-db.</summary>
    public static DevnetCommand.Child StartGanache(string ganache, string dir, ulong port, ulong chainId) =>
        DevnetCommand.Child.StartProgram("ganache", dir, ganache, GanacheArgs(Path.Combine(dir, "eth1-db"), port, chainId, DevAccountKey));

    /// <summary>ganache's command line: loopback only, a block every second, one funded account, the chain kept on disk.</summary>
    public static List<string> GanacheArgs(string dbPath, ulong port, ulong chainId, string accountKey) =>
    [
        "--server.host", "127.0.0.1", "--server.port", port.ToString(CultureInfo.InvariantCulture),
        "--chain.chainId", chainId.ToString(CultureInfo.InvariantCulture), "--chain.networkId", chainId.ToString(CultureInfo.InvariantCulture),
        "--miner.blockTime", "1", "--wallet.accounts", $"0x{accountKey},100000000000000000000000", // 100,000 ETH
        "--database.dbPath", dbPath, "--logging.quiet",
    ];

    /// <summary>Deploys, deposits and computes genesis; every wait is bounded. Throws CliException with one line on failure.</summary>
    public static Setup Prepare(string endpoint, string key, ulong validators, ulong sps, ulong genesisDelay, Action<string> log, CancellationToken ct)
    {
        var uri = new Uri(endpoint);
        using var rpc = new NethereumEth1Rpc(uri, TimeSpan.FromSeconds(10));
        ulong chainId = 0;
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try { chainId = rpc.GetChainIdAsync(ct).GetAwaiter().GetResult(); break; }
            catch (Eth1Exception e) when (sw.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (sw.Elapsed > TimeSpan.FromSeconds(10)) log($"eth1: waiting for {endpoint} ({e.Message})");
                Task.Delay(500, ct).Wait(ct);
            }
            catch (Eth1Exception e) { throw new CliException($"the eth1 node at {endpoint} does not answer: {e.Message}"); }
        }
        var web3 = DepositContract.SigningWeb3(key, chainId, uri, TimeSpan.FromSeconds(20), out string from);
        var (contract, deployBlock) = DepositContract.DeployAsync(web3, from, ct).GetAwaiter().GetResult();
        log($"eth1: deposit contract deployed at {contract} in block {deployBlock} (chain {chainId}), its code checked");

        ulong minGenesisTime = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string yaml = $"PRESET_BASE: minimal\nCONFIG_NAME: devnet\nSECONDS_PER_SLOT: {sps}\nMIN_GENESIS_ACTIVE_VALIDATOR_COUNT: {validators}\n" +
                      $"MIN_GENESIS_TIME: {minGenesisTime}\nGENESIS_DELAY: {genesisDelay}\nDEPOSIT_CHAIN_ID: {chainId}\nDEPOSIT_NETWORK_ID: {chainId}\n" +
                      $"DEPOSIT_CONTRACT_ADDRESS: {contract}\nETH1_FOLLOW_DISTANCE: {FollowDistance}\nSECONDS_PER_ETH1_BLOCK: 1\n" +
                      $"EPOCHS_PER_ETH1_VOTING_PERIOD: {VotingPeriodEpochs}\n";
        var config = ChainConfig.FromYaml(yaml);

        // The interop validators' deposits, as transactions.
        var deposits = InteropGenesis.Deposits(config, (int)validators);
        var first = deposits[0].Data;
        ulong gas = 2 * DepositContract.EstimateDepositGasAsync(web3, contract, from, first, config.Schema.HashTreeRoot(first)).GetAwaiter().GetResult();
        var hashes = new List<string>();
        foreach (var d in deposits)
            hashes.Add(DepositContract.SendDepositAsync(web3, contract, from, d.Data, config.Schema.HashTreeRoot(d.Data), gas).GetAwaiter().GetResult());
        ulong lastBlock = 0;
        foreach (var h in hashes)
            lastBlock = Math.Max(lastBlock, (ulong)DepositContract.WaitForReceiptAsync(web3, h, TimeSpan.FromSeconds(120), ct).GetAwaiter().GetResult().BlockNumber.Value);
        log($"eth1: {deposits.Count} genesis deposits sent, the last in block {lastBlock}");

        // Genesis at the first block ETH1_FOLLOW_DISTANCE behind the head that holds them all, once the head is there.
        sw.Restart();
        while (rpc.GetBlockNumberAsync(ct).GetAwaiter().GetResult() < lastBlock + FollowDistance)
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(60)) throw new CliException($"the eth1 node did not reach block {lastBlock + FollowDistance} within 60 s (is it mining?)");
            Task.Delay(250, ct).Wait(ct);
        }
        var block = rpc.GetBlockAsync(lastBlock, ct).GetAwaiter().GetResult() ?? throw new CliException($"eth1 block {lastBlock} not found");
        var (root, count) = rpc.GetDepositRootAndCountAsync(config.DepositContractAddress, lastBlock, ct).GetAwaiter().GetResult();
        var state = Eth1Genesis.InitializeBeaconStateFromEth1(config, block.Hash, block.Timestamp, deposits, new BlsSignatureVerifier());
        if (count != (ulong)deposits.Count || root != state.Eth1Data.DepositRoot)
            throw new CliException($"the contract holds {count} deposits with root {root}, the genesis state {deposits.Count} with root {state.Eth1Data.DepositRoot}");
        if (!Eth1Genesis.IsValidGenesisState(config, state))
            throw new CliException("the genesis state from the contract's deposits is not valid (is_valid_genesis_state)");
        log($"eth1: genesis from eth1 block {lastBlock} ({block.Hash}): {count} deposits, root {root}, genesis time {state.GenesisTime}");
        return new Setup(endpoint, chainId, contract, deployBlock, yaml, state);
    }
}
