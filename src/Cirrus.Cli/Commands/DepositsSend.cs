using System.CommandLine;
using System.Numerics;
using System.Text;
using Cirrus.Consensus.Config;
using Cirrus.Node.Eth1;
using Cirrus.Validator;
using Cirrus.Validator.Keys;
using Nethereum.JsonRpc.Client;

namespace Cirrus.Cli.Commands;

/// <summary>
/// `cirrus deposits send`: submits each deposit of a deposit_data JSON file to the network's deposit contract, as
/// the launchpad does, after checking everything that would make it fail or be lost: the network (fork version,
/// chain id, the contract's code), each deposit's signature and roots, earlier deposits of the same key, the
/// sender's balance, and the contract's own acceptance (eth_estimateGas).
/// </summary>
public sealed class DepositsSend : ICliCommand
{
    public string? Group => "deposits";
    public string Name => "send";
    public string Summary => "send the deposits of a deposit_data JSON file to the deposit contract over eth1 JSON-RPC";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("eth1-endpoint", "URL", "the eth1 JSON-RPC endpoint (required)"),
        Opt.Value("deposit-data", "FILE", "a deposit_data JSON file as `deposits create` writes it (required)"),
        Opt.Value("from-key", "FILE", "a file holding the sending account's secp256k1 private key in hex"),
        Opt.Value("keystore", "FILE", "an Ethereum (web3 secret storage) keystore of the sending account, with --keystore-password-file"),
        Opt.Value("keystore-password-file", "FILE", "the password of --keystore"),
        .. Opt.Network(),
        Opt.Flag("dry-run", "check everything and estimate gas, send nothing"),
        Opt.Flag("allow-duplicate", "send a deposit for a key the contract has already seen (a top-up)"),
        Opt.Value("eth1-deploy-block", "N", "where the search for earlier deposits starts (the contract's deployment block; default 0)"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        string url = a.Required("eth1-endpoint");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new CliException($"--eth1-endpoint: '{url}' is not an http(s) URL", 2);
        string depositFile = a.Required("deposit-data");
        string? keyFile = a.Option("from-key"), keystore = a.Option("keystore");
        if ((keyFile is null) == (keystore is null)) throw new CliException("give exactly one of --from-key FILE and --keystore FILE", 2);
        if (keystore is not null && a.Option("keystore-password-file") is null) throw new CliException("--keystore needs --keystore-password-file", 2);
        bool dryRun = a.Flag("dry-run"), allowDuplicate = a.Flag("allow-duplicate");
        ulong fromBlock = a.ULong("eth1-deploy-block", 0);
        var network = NodeSetup.ResolveNetwork(a.Option("network"), a.Option("network-dir"));
        var c = network.Config;

        // The deposits: this network's fork, valid signatures and roots.
        List<DepositEntry> entries;
        try { entries = DepositDataFile.Parse(Encoding.UTF8.GetString(CliFiles.ReadFile(depositFile, BoundedFile.MaxTextBytes, "a deposit data file"))); }
        catch (ValidatorException e) { throw new CliException($"{depositFile}: {e.Message}"); }
        if (entries.Count == 0) throw new CliException($"{depositFile}: no deposits in it");
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.ForkVersion != c.GenesisForkVersion)
                throw new CliException($"{depositFile}: deposit {i} was made for fork version {e.ForkVersion}{(e.NetworkName is null ? "" : $" ({e.NetworkName})")}, " +
                                       $"not {network.Name}'s {c.GenesisForkVersion}: it would be lost on this network");
            if (e.Data.Amount < c.MinDepositAmount) throw new CliException($"{depositFile}: deposit {i} is {e.Data.Amount} gwei, below MIN_DEPOSIT_AMOUNT");
            if (!DepositDataFile.Verify(c, e))
                throw new CliException($"{depositFile}: deposit {i} ({e.Data.Pubkey}): its signature or roots do not check: the beacon chain would ignore it");
        }
        string privateKey = ReadPrivateKey(keyFile, keystore, a.Option("keystore-password-file"));

        try
        {
            return SendAsync(c, endpoint, privateKey, entries, dryRun, allowDuplicate, fromBlock, stdout).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is Eth1Exception or RpcResponseException or RpcClientUnknownException or RpcClientTimeoutException
                                      or HttpRequestException or TaskCanceledException or TimeoutException or FormatException)
        {
            var inner = e.InnerException is { } ie && e is not Eth1Exception ? $" ({ie.Message})" : "";
            throw new CliException($"{endpoint.GetLeftPart(UriPartial.Path)}: {e.Message}{inner}");
        }
    }

    private static string ReadPrivateKey(string? keyFile, string? keystore, string? passwordFile)
    {
        if (keyFile is not null)
        {
            string hex = Encoding.UTF8.GetString(CliFiles.ReadFile(keyFile, 1024, "a private key file")).Trim();
            if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
            if (hex.Length != 64 || !hex.All(Uri.IsHexDigit)) throw new CliException($"{keyFile}: not a 32-byte hex private key");
            return hex;
        }
        string json = Encoding.UTF8.GetString(CliFiles.ReadFile(keystore!, BoundedFile.MaxTextBytes, "a keystore"));
        string password = KeyFiles.ReadSecretText(passwordFile!, "keystore password file");
        try
        {
            return Convert.ToHexStringLower(new Nethereum.KeyStore.KeyStoreService().DecryptKeyStoreFromJson(password, json));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new CliException($"{keystore}: cannot decrypt the keystore ({e.Message})");
        }
    }

    private static async Task<int> SendAsync(ChainConfig c, Uri endpoint, string privateKey, List<DepositEntry> entries, bool dryRun, bool allowDuplicate,
        ulong fromBlock, TextWriter stdout)
    {
        var ct = CancellationToken.None;
        string contract = "0x" + Convert.ToHexStringLower(c.DepositContractAddress);
        using var rpc = new NethereumEth1Rpc(endpoint, TimeSpan.FromSeconds(20));
        ulong chainId = await rpc.GetChainIdAsync(ct);
        if (chainId != c.DepositChainId)
            throw new Eth1Exception($"the endpoint is on chain {chainId}, and this network's deposit contract is on chain {c.DepositChainId} (DEPOSIT_CHAIN_ID)");
        var web3 = DepositContract.SigningWeb3(privateKey, chainId, endpoint, TimeSpan.FromSeconds(20), out string from);
        await DepositContract.CheckDeployedCodeAsync(web3, contract);

        // Keys the contract has already seen.
        ulong head = await rpc.GetBlockNumberAsync(ct);
        var seen = new Dictionary<string, ulong>();
        for (ulong start = fromBlock; start <= head; start += 10_000)
            foreach (var log in await rpc.GetDepositLogsAsync(c.DepositContractAddress, start, Math.Min(head, start + 9_999), ct))
            {
                var (data, index) = DepositLog.Parse(log.Data);
                seen.TryAdd(data.Pubkey.ToString(), index);
            }
        foreach (var e in entries)
            if (seen.TryGetValue(e.Data.Pubkey.ToString(), out ulong index) && !allowDuplicate)
                throw new Eth1Exception($"validator {e.Data.Pubkey} was already deposited (deposit {index}); --allow-duplicate sends a top-up anyway");

        var gas = new List<ulong>();
        foreach (var e in entries) gas.Add(await DepositContract.EstimateDepositGasAsync(web3, contract, from, e.Data, e.DepositDataRoot));
        var gasPrice = (await web3.Eth.GasPrice.SendRequestAsync()).Value;
        BigInteger need = 0;
        for (int i = 0; i < entries.Count; i++) need += DepositContract.WeiOf(entries[i].Data.Amount) + gasPrice * (gas[i] * 2);
        var balance = (await web3.Eth.GetBalance.SendRequestAsync(from)).Value;
        if (balance < need)
            throw new Eth1Exception($"insufficient funds: {from} has {Eth(balance)} ETH, the {entries.Count} deposit(s) need {Eth(need)} ETH with gas");

        for (int i = 0; i < entries.Count; i++)
            stdout.WriteLine($"{(dryRun ? "would send" : "sending")} deposit {i + 1}/{entries.Count}: {entries[i].Data.Pubkey}, {entries[i].Data.Amount} gwei, gas {gas[i]}");
        if (dryRun)
        {
            stdout.WriteLine($"dry run: {entries.Count} deposit(s) to {contract} on chain {chainId} from {from} check out; nothing was sent");
            return 0;
        }
        var hashes = new List<string>();
        for (int i = 0; i < entries.Count; i++) hashes.Add(await DepositContract.SendDepositAsync(web3, contract, from, entries[i].Data, entries[i].DepositDataRoot, gas[i] * 2));
        for (int i = 0; i < hashes.Count; i++)
        {
            var r = await DepositContract.WaitForReceiptAsync(web3, hashes[i], TimeSpan.FromSeconds(120), ct);
            stdout.WriteLine($"deposit {i + 1}/{entries.Count} ({entries[i].Data.Pubkey}): transaction {hashes[i]} in block {r.BlockNumber.Value}");
        }
        stdout.WriteLine($"sent {entries.Count} deposit(s) to {contract}");
        return 0;
    }

    private static string Eth(BigInteger wei) => (decimal)(wei / 1_000_000_000) / 1_000_000_000m + "";
}
