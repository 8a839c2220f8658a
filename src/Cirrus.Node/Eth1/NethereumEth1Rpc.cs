using System.Buffers.Binary;
using System.Numerics;
using Cirrus.Ssz;
using Nethereum.Hex.HexTypes;
using Nethereum.JsonRpc.Client;
using Nethereum.RPC.Eth.DTOs;
using Nethereum.Web3;

namespace Cirrus.Node.Eth1;

/// <summary>
/// <see cref="IEth1Rpc"/> over an HTTP JSON-RPC endpoint with Nethereum. Every call is bounded by
/// <see cref="Timeout"/>; every failure becomes an <see cref="Eth1Exception"/> naming the endpoint's call.
/// </summary>
public sealed class NethereumEth1Rpc : IEth1Rpc, IDisposable
{
    private static readonly string GetDepositRootCall = "0x" + Selector("get_deposit_root()");
    private static readonly string GetDepositCountCall = "0x" + Selector("get_deposit_count()");
    private readonly HttpClient _http;
    private readonly Web3 _web3;
    private long _calls;

    public NethereumEth1Rpc(Uri url, TimeSpan? timeout = null)
    {
        if (url.Scheme is not ("http" or "https")) throw new ArgumentException($"'{url}' is not an http(s) URL");
        Timeout = timeout ?? TimeSpan.FromSeconds(10);
        Name = url.GetLeftPart(UriPartial.Path); // no user info or query in logs
        // A hostile or broken endpoint cannot make the node buffer without bound (a big eth_getLogs answer is a few MB).
        _http = new HttpClient { Timeout = Timeout, MaxResponseContentBufferSize = MaxAnswerBytes };
        _web3 = new Web3(new RpcClient(url, _http));
    }

    public const int MaxAnswerBytes = 64 << 20;
    public string Name { get; }
    public TimeSpan Timeout { get; }
    /// <summary>JSON-RPC requests sent through this endpoint.</summary>
    public long Calls => Interlocked.Read(ref _calls);
    public Web3 Web3 => _web3;

    public static string Selector(string signature) =>
        Convert.ToHexStringLower(Nethereum.Util.Sha3Keccack.Current.CalculateHash(System.Text.Encoding.ASCII.GetBytes(signature)), 0, 4);

    private async Task<T> Call<T>(string what, Func<Task<T>> f, CancellationToken ct)
    {
        Interlocked.Increment(ref _calls);
        try
        {
            return await f().WaitAsync(Timeout, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is TimeoutException or RpcClientTimeoutException or TaskCanceledException)
        {
            throw new Eth1Exception($"{what}: no answer within {Timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is RpcClientUnknownException or RpcResponseException or HttpRequestException
                                      or Newtonsoft.Json.JsonException or FormatException or OverflowException
                                      or ArgumentException or InvalidOperationException or NullReferenceException)
        {
            var inner = e.InnerException is { } i ? $" ({i.Message})" : "";
            throw new Eth1Exception($"{what}: {e.Message}{inner}", e);
        }
    }

    public Task<ulong> GetChainIdAsync(CancellationToken ct) =>
        Call("eth_chainId", async () => ToU64((await _web3.Eth.ChainId.SendRequestAsync().ConfigureAwait(false)).Value, "chain id"), ct);

    public Task<ulong> GetBlockNumberAsync(CancellationToken ct) =>
        Call("eth_blockNumber", async () => ToU64((await _web3.Eth.Blocks.GetBlockNumber.SendRequestAsync().ConfigureAwait(false)).Value, "block number"), ct);

    public Task<Eth1BlockHeader?> GetBlockAsync(ulong number, CancellationToken ct) =>
        Call($"eth_getBlockByNumber({number})", async () =>
        {
            var b = await _web3.Eth.Blocks.GetBlockWithTransactionsHashesByNumber.SendRequestAsync(new HexBigInteger(number)).ConfigureAwait(false);
            if (b is null) return null;
            if (b.Number is null || ToU64(b.Number.Value, "block number") != number) throw new FormatException($"the answer is block {b.Number?.Value}, not {number}");
            return new Eth1BlockHeader(number, Hash(b.BlockHash, "block hash"), Hash(b.ParentHash, "parent hash"), ToU64(b.Timestamp.Value, "timestamp"));
        }, ct);

    public Task<IReadOnlyList<Eth1Log>> GetDepositLogsAsync(byte[] contract, ulong from, ulong to, CancellationToken ct) =>
        Call($"eth_getLogs({from}..{to})", async () =>
        {
            var filter = new NewFilterInput
            {
                Address = ["0x" + Convert.ToHexStringLower(contract)],
                FromBlock = new BlockParameter(new HexBigInteger(from)),
                ToBlock = new BlockParameter(new HexBigInteger(to)),
                Topics = [DepositLog.DepositEventTopic],
            };
            var logs = await _web3.Eth.Filters.GetLogs.SendRequestAsync(filter).ConfigureAwait(false) ?? [];
            var list = new List<Eth1Log>(logs.Length);
            foreach (var l in logs)
            {
                if (!string.Equals(l.Address, filter.Address[0], StringComparison.OrdinalIgnoreCase))
                    throw new FormatException($"a log of {l.Address}, not the deposit contract");
                list.Add(new Eth1Log(ToU64(l.BlockNumber.Value, "log block"), ToU64(l.LogIndex.Value, "log index"), Hash(l.BlockHash, "log block hash"),
                    Convert.FromHexString(Strip(l.Data ?? "")), l.Removed));
            }
            return (IReadOnlyList<Eth1Log>)list;
        }, ct);

    public Task<(Bytes32 Root, ulong Count)> GetDepositRootAndCountAsync(byte[] contract, ulong block, CancellationToken ct) =>
        Call($"eth_call(get_deposit_root/get_deposit_count at {block})", async () =>
        {
            string to = "0x" + Convert.ToHexStringLower(contract);
            var at = new BlockParameter(new HexBigInteger(block));
            var rootHex = await _web3.Eth.Transactions.Call.SendRequestAsync(new CallInput(GetDepositRootCall, to), at).ConfigureAwait(false);
            Interlocked.Increment(ref _calls);
            var countHex = await _web3.Eth.Transactions.Call.SendRequestAsync(new CallInput(GetDepositCountCall, to), at).ConfigureAwait(false);
            var root = Convert.FromHexString(Strip(rootHex ?? ""));
            if (root.Length != 32) throw new FormatException($"get_deposit_root() returned {root.Length} bytes (is the contract deployed at {to}?)");
            // get_deposit_count() returns ABI `bytes`: offset, length 8, the little-endian count.
            var count = Convert.FromHexString(Strip(countHex ?? ""));
            if (count.Length != 96 || count[63] != 8) throw new FormatException($"get_deposit_count() returned {count.Length} bytes, not an 8-byte ABI bytes value");
            return (Bytes32.FromSpan(root), BinaryPrimitives.ReadUInt64LittleEndian(count.AsSpan(64, 8)));
        }, ct);

    private static string Strip(string hex) => hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;

    private static Bytes32 Hash(string? hex, string what)
    {
        var b = Convert.FromHexString(Strip(hex ?? throw new FormatException($"no {what}")));
        return b.Length == 32 ? Bytes32.FromSpan(b) : throw new FormatException($"{what} of {b.Length} bytes");
    }

    private static ulong ToU64(BigInteger v, string what) =>
        v >= 0 && v <= ulong.MaxValue ? (ulong)v : throw new FormatException($"{what} {v} out of range");

    public void Dispose() => _http.Dispose();
}
