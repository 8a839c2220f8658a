using System.Numerics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Nethereum.Hex.HexTypes;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.RPC.NonceServices;
using Nethereum.Web3;
using Nethereum.Web3.Accounts;

namespace Cirrus.Node.Eth1;

/// <summary>
/// The phase0 deposit contract as published with the spec (see SOURCE.md): its ABI and bytecode,
/// deployment with the deployed code's hash checked, and deposit transactions.
/// </summary>
public static class DepositContract
{
    /// <summary>sha256 of the embedded deposit_contract.json (v0.12.3, unchanged).</summary>
    public const string ArtifactSha256 = "fbb573648e4fe96a6b731768cbf5165f5037d7bd29f43359c5316eeb9edc78e6";
    /// <summary>keccak256 of the runtime code the creation bytecode deploys (what eth_getCode returns).</summary>
    public const string RuntimeCodeKeccak = "6c029a231254fadb724d63be769f75eedd66362df034a3e663252b49d062a666";
    public const ulong DeployGas = 3_000_000;

    private static readonly Lazy<(string Abi, string Bytecode)> Artifact = new(LoadArtifact);
    public static string Abi => Artifact.Value.Abi;
    public static string Bytecode => Artifact.Value.Bytecode;

    private static (string, string) LoadArtifact()
    {
        using var s = typeof(DepositContract).Assembly.GetManifestResourceStream("Cirrus.Node.Eth1.deposit_contract.json")
            ?? throw new InvalidOperationException("the deposit contract artifact is not embedded");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        var bytes = ms.ToArray();
        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != ArtifactSha256)
            throw new InvalidOperationException("the embedded deposit contract artifact is not the published v0.12.3 file");
        using var doc = JsonDocument.Parse(bytes);
        return (doc.RootElement.GetProperty("abi").GetRawText(), doc.RootElement.GetProperty("bytecode").GetString()!);
    }

    /// <summary>A Web3 that signs with <paramref name="privateKey"/> (legacy transactions, local nonces).</summary>
    public static Web3 SigningWeb3(string privateKeyHex, ulong chainId, Uri endpoint, TimeSpan timeout, out string from)
    {
        var account = new Account(privateKeyHex, new BigInteger(chainId));
        var http = new HttpClient { Timeout = timeout };
        var web3 = new Web3(account, new Nethereum.JsonRpc.Client.RpcClient(endpoint, http));
        account.NonceService = new InMemoryNonceService(account.Address, web3.Client);
        web3.TransactionManager.UseLegacyAsDefault = true;
        from = account.Address;
        return web3;
    }

    /// <summary>Deploys the contract; returns its address and block, after checking the code it left there.</summary>
    public static async Task<(string Address, ulong Block)> DeployAsync(Web3 web3, string from, CancellationToken ct)
    {
        var receipt = await web3.Eth.DeployContract.SendRequestAndWaitForReceiptAsync(Abi, Bytecode, from, new HexBigInteger(DeployGas), ct).ConfigureAwait(false);
        if (receipt.Status?.Value != 1 || receipt.ContractAddress is null) throw new Eth1Exception("the deposit contract deployment failed");
        await CheckDeployedCodeAsync(web3, receipt.ContractAddress).ConfigureAwait(false);
        return (receipt.ContractAddress, (ulong)receipt.BlockNumber.Value);
    }

    /// <summary>Throws unless <paramref name="address"/> holds exactly the published contract's runtime code.</summary>
    public static async Task CheckDeployedCodeAsync(Web3 web3, string address)
    {
        var code = await web3.Eth.GetCode.SendRequestAsync(address).ConfigureAwait(false);
        string hash = RuntimeHash(code);
        if (hash != RuntimeCodeKeccak)
            throw new Eth1Exception($"the code at {address} is not the deposit contract (keccak256 {hash}, expected {RuntimeCodeKeccak})");
    }

    public static string RuntimeHash(string? codeHex)
    {
        var code = Convert.FromHexString((codeHex ?? "").StartsWith("0x") ? codeHex![2..] : codeHex ?? "");
        return Convert.ToHexStringLower(Nethereum.Util.Sha3Keccack.Current.CalculateHash(code));
    }

    /// <summary>The deposit(...) call's arguments and value in wei.</summary>
    private static object[] DepositArgs(DepositData d, Bytes32 depositDataRoot) =>
        [d.Pubkey.AsSpan().ToArray(), d.WithdrawalCredentials.AsSpan().ToArray(), d.Signature.AsSpan().ToArray(), depositDataRoot.AsSpan().ToArray()];

    public static BigInteger WeiOf(ulong gwei) => new BigInteger(gwei) * 1_000_000_000;

    /// <summary>eth_estimateGas of the deposit: a deposit the contract would revert fails here, before anything is sent.</summary>
    public static async Task<ulong> EstimateDepositGasAsync(Web3 web3, string contract, string from, DepositData d, Bytes32 root)
    {
        var fn = web3.Eth.GetContract(Abi, contract).GetFunction("deposit");
        var gas = await fn.EstimateGasAsync(from, null, new HexBigInteger(WeiOf(d.Amount)), DepositArgs(d, root)).ConfigureAwait(false);
        return (ulong)gas.Value;
    }

    /// <summary>Sends the deposit transaction; returns its hash without waiting for it to be mined.</summary>
    public static Task<string> SendDepositAsync(Web3 web3, string contract, string from, DepositData d, Bytes32 root, ulong gas)
    {
        var fn = web3.Eth.GetContract(Abi, contract).GetFunction("deposit");
        return fn.SendTransactionAsync(from, new HexBigInteger(gas), new HexBigInteger(WeiOf(d.Amount)), DepositArgs(d, root));
    }

    /// <summary>Waits (bounded) for a transaction's receipt; throws if it reverted or did not land in time.</summary>
    public static async Task<TransactionReceipt> WaitForReceiptAsync(Web3 web3, string txHash, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var r = await web3.Eth.Transactions.GetTransactionReceipt.SendRequestAsync(txHash).ConfigureAwait(false);
            if (r is not null)
            {
                if (r.Status?.Value != 1) throw new Eth1Exception($"transaction {txHash} reverted");
                return r;
            }
            if (DateTime.UtcNow > deadline) throw new Eth1Exception($"transaction {txHash} was not mined within {timeout.TotalSeconds:0} s");
            await Task.Delay(250, ct).ConfigureAwait(false);
        }
    }
}
