using System.Buffers.Binary;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Eth1;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Node.Eth1;

/// <summary>What block production asks of the eth1 side (spec: validator.md "Eth1 Data" and "Deposits").</summary>
public interface IEth1Provider
{
    /// <summary>spec: get_eth1_vote for a block built on <paramref name="state"/> (already at the block's slot).</summary>
    Eth1Data GetEth1Vote(BeaconState state);
    /// <summary>
    /// The deposits a block must carry when <paramref name="eth1Data"/> is the state's eth1_data after its vote,
    /// with proofs; throws <see cref="NodeRequestException"/> if this node cannot supply them correctly.
    /// </summary>
    List<Deposit> GetDeposits(BeaconState state, Eth1Data eth1Data);
}

public sealed class Eth1FollowerOptions
{
    /// <summary>Endpoints in order of preference; the next is tried when one fails.</summary>
    public required IReadOnlyList<IEth1Rpc> Endpoints { get; init; }
    /// <summary>The first block to scan for deposit logs (the contract's deployment block).</summary>
    public ulong DeployBlock { get; init; }
    /// <summary>Most blocks asked for in one eth_getLogs.</summary>
    public ulong LogRange { get; init; } = 1000;
    /// <summary>Time between polls while the endpoint answers.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(7);
    /// <summary>Longest wait between retries while every endpoint fails.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(60);
    public Action<string>? Log { get; init; }
    public Func<DateTimeOffset> Now { get; init; } = () => DateTimeOffset.UtcNow;
}

/// <summary>What the follower knows, for the status line, metrics and tests.</summary>
public sealed record Eth1Status(bool Connected, string? Endpoint, ulong? HeadBlock, ulong? FollowBlock, ulong DepositCount,
    Bytes32 DepositRoot, int CachedBlocks, string? LastError, long RpcCalls, long RpcErrors, long RefusedRanges, long LogRequests, bool? GenesisMatches);

/// <summary>
/// Follows the deposit contract ETH1_FOLLOW_DISTANCE blocks behind the eth1 head: DepositEvent logs in
/// bounded ranges, each range checked against the contract's own get_deposit_root()/get_deposit_count()
/// before it is kept; the headers of recent blocks for eth1 voting. Everything kept is written to the
/// store (deposits by index, the rest as one snapshot), so a restart resumes where it stopped.
/// </summary>
public sealed class Eth1Follower : IEth1Provider
{
    private const byte SnapshotVersion = 1;
    private readonly ChainConfig _c;
    private readonly BeaconStore? _store;
    private readonly Eth1FollowerOptions _o;
    private readonly Lock _gate = new();
    private readonly Eth1DepositCache _cache;
    private readonly SortedList<ulong, Eth1BlockHeader> _blocks = new();
    private ulong _nextLogBlock; // logs are in for every block below this
    private ulong? _head, _follow;
    private bool _connected;
    private string? _endpoint, _lastError;
    private int _preferred;
    private long _refused, _rpcCalls, _rpcErrors, _logCalls;
    private bool? _genesisMatches;
    private DateTimeOffset _lastFailureLog = DateTimeOffset.MinValue;
    private int _failuresSinceLog;

    public Eth1Follower(ChainConfig config, BeaconStore? store, Eth1FollowerOptions options)
    {
        if (options.Endpoints.Count == 0) throw new ArgumentException("no eth1 endpoint");
        _c = config;
        _store = store;
        _o = options;
        _cache = new Eth1DepositCache(config);
        _nextLogBlock = options.DeployBlock;
        if (store is not null) Load(store);
    }

    /// <summary>
    /// The genesis state's eth1_data: once the follower holds that many deposits it checks that the
    /// followed contract had that root then, and says so (a node on the wrong eth1 chain or contract).
    /// </summary>
    public Eth1Data? GenesisEth1Data { get; init; }

    /// <summary>Counts every RPC call made through <see cref="Count"/> (the restart test reads it).</summary>
    public long RpcCalls => Interlocked.Read(ref _rpcCalls);

    public Eth1Status Status
    {
        get
        {
            lock (_gate)
                return new Eth1Status(_connected, _endpoint, _head, _follow, _cache.Count, _cache.RootAt(_cache.Count), _blocks.Count,
                    _lastError, RpcCalls, Interlocked.Read(ref _rpcErrors), Interlocked.Read(ref _refused), Interlocked.Read(ref _logCalls), _genesisMatches);
        }
    }

    /// <summary>The status line's part: follow block and deposits, or why eth1 is not followed.</summary>
    public string StatusText()
    {
        var s = Status;
        return s.Connected
            ? $"eth1 block {s.FollowBlock} (head {s.HeadBlock}), deposits {s.DepositCount}"
            : $"eth1 unreachable, deposits {s.DepositCount}";
    }

    // ------------------------------------------------------------------ following

    /// <summary>Polls until cancelled; failures back off (doubling up to MaxBackoff) and are logged at most once a minute.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                await UpdateAsync(ct).ConfigureAwait(false);
                wait = _o.PollInterval;
                backoff = TimeSpan.FromSeconds(1);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Eth1Exception e)
            {
                wait = backoff;
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _o.MaxBackoff.Ticks));
                NoteFailure(e.Message);
            }
            try { await Task.Delay(wait, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One round: the first endpoint (from the last good one on) that answers fully wins; throws if none does.</summary>
    public async Task UpdateAsync(CancellationToken ct)
    {
        var errors = new List<string>();
        int n = _o.Endpoints.Count;
        for (int k = 0; k < n; k++)
        {
            int i = (_preferred + k) % n;
            var rpc = _o.Endpoints[i];
            try
            {
                await UpdateFromAsync(rpc, ct).ConfigureAwait(false);
                bool recovered;
                lock (_gate)
                {
                    recovered = !_connected || _endpoint != rpc.Name;
                    _connected = true;
                    _endpoint = rpc.Name;
                    _lastError = null;
                    _preferred = i;
                }
                CheckGenesis();
                if (recovered)
                {
                    _failuresSinceLog = 0;
                    _lastFailureLog = DateTimeOffset.MinValue;
                    _o.Log?.Invoke($"eth1: following {rpc.Name}: block {_follow} ({_c.Eth1FollowDistance} behind head {_head}), {_cache.Count} deposits");
                }
                return;
            }
            catch (Eth1Exception e)
            {
                Interlocked.Increment(ref _rpcErrors);
                errors.Add($"{rpc.Name}: {e.Message}");
            }
        }
        lock (_gate)
        {
            _connected = false;
            _lastError = string.Join("; ", errors);
        }
        throw new Eth1Exception(string.Join("; ", errors));
    }

    private void CheckGenesis()
    {
        if (GenesisEth1Data is not { } g || _genesisMatches is not null) return;
        Bytes32 root;
        lock (_gate)
        {
            if (_cache.Count < g.DepositCount) return;
            root = _cache.RootAt(g.DepositCount);
            _genesisMatches = root == g.DepositRoot;
        }
        _o.Log?.Invoke(_genesisMatches == true
            ? $"eth1: the genesis state's {g.DepositCount} deposits (root {g.DepositRoot}) match the followed deposit contract"
            : $"eth1: ERROR: the genesis state's deposit root {g.DepositRoot} at {g.DepositCount} deposits is not the followed contract's {root}: " +
              "this eth1 endpoint or DEPOSIT_CONTRACT_ADDRESS belongs to another network; blocks with deposits cannot be proposed");
    }

    private void NoteFailure(string message)
    {
        _failuresSinceLog++;
        var now = _o.Now();
        if (now - _lastFailureLog < TimeSpan.FromMinutes(1)) return;
        _o.Log?.Invoke($"eth1: no endpoint answers ({message}); voting falls back to the state's eth1 data, retrying with back-off" +
                       (_failuresSinceLog > 1 ? $" ({_failuresSinceLog} failures since the last message)" : ""));
        _lastFailureLog = now;
        _failuresSinceLog = 0;
    }

    private async Task<T> Count<T>(Task<T> call)
    {
        Interlocked.Increment(ref _rpcCalls);
        return await call.ConfigureAwait(false);
    }

    private async Task UpdateFromAsync(IEth1Rpc rpc, CancellationToken ct)
    {
        ulong head = await Count(rpc.GetBlockNumberAsync(ct)).ConfigureAwait(false);
        lock (_gate) _head = head;
        if (head < _c.Eth1FollowDistance) return;
        ulong follow = head - _c.Eth1FollowDistance;
        lock (_gate) _follow = follow;
        await FollowLogsAsync(rpc, follow, ct).ConfigureAwait(false);
        await FollowBlocksAsync(rpc, follow, ct).ConfigureAwait(false);
    }

    /// <summary>Deposit logs up to <paramref name="follow"/>, range by range; a range is kept only if the contract agrees with it.</summary>
    private async Task FollowLogsAsync(IEth1Rpc rpc, ulong follow, CancellationToken ct)
    {
        while (_nextLogBlock <= follow)
        {
            ulong from = _nextLogBlock, to = Math.Min(follow, from + _o.LogRange - 1);
            Interlocked.Increment(ref _logCalls);
            var logs = await Count(rpc.GetDepositLogsAsync(_c.DepositContractAddress, from, to, ct)).ConfigureAwait(false);
            var parsed = new List<(DepositData Data, ulong Index, ulong Block)>();
            foreach (var log in logs.OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex))
            {
                if (log.Removed) throw new Eth1Exception($"a removed (reorged) deposit log in block {log.BlockNumber}, below the follow distance");
                if (log.BlockNumber < from || log.BlockNumber > to) throw new Eth1Exception($"a deposit log in block {log.BlockNumber}, outside the range asked for ({from}..{to})");
                var (data, index) = DepositLog.Parse(log.Data);
                parsed.Add((data, index, log.BlockNumber));
            }
            // Check the range on a scratch tree before keeping any of it.
            var (root, count) = await Count(rpc.GetDepositRootAndCountAsync(_c.DepositContractAddress, to, ct)).ConfigureAwait(false);
            Interlocked.Increment(ref _rpcCalls); // two eth_calls
            Bytes32 ourRoot;
            ulong ourCount;
            lock (_gate)
            {
                ulong start = _cache.Count;
                var scratch = _cache.TreeCopy();
                for (int k = 0; k < parsed.Count; k++)
                {
                    if (parsed[k].Index != start + (ulong)k)
                    {
                        Interlocked.Increment(ref _refused);
                        throw new Eth1Exception($"refusing deposit logs of blocks {from}..{to} from {rpc.Name}: deposit index {parsed[k].Index} where {start + (ulong)k} was due");
                    }
                    scratch.Push(_c.Schema.HashTreeRoot(parsed[k].Data));
                }
                ourRoot = scratch.Root();
                ourCount = scratch.Count;
            }
            if (ourRoot != root || ourCount != count)
            {
                Interlocked.Increment(ref _refused);
                throw new Eth1Exception($"refusing deposit logs of blocks {from}..{to} from {rpc.Name}: they give {ourCount} deposits with root {ourRoot}, " +
                                        $"the contract says {count} with root {root}");
            }
            var records = new List<(ulong, byte[])>(parsed.Count);
            lock (_gate)
            {
                foreach (var (data, index, block) in parsed)
                {
                    _cache.Add(data, index, block);
                    records.Add((index, EncodeDeposit(data, block)));
                }
                _nextLogBlock = to + 1;
                _store?.PutEth1(records, EncodeSnapshot());
            }
            if (parsed.Count > 0)
                _o.Log?.Invoke($"eth1: {parsed.Count} new deposit(s) in blocks {from}..{to}, {count} in all, root {root} (matches the contract)");
        }
    }

    /// <summary>Headers from the oldest a vote can need up to <paramref name="follow"/>; a parent-hash break drops the cached ones.</summary>
    private async Task FollowBlocksAsync(IEth1Rpc rpc, ulong follow, CancellationToken ct)
    {
        ulong now = (ulong)_o.Now().ToUnixTimeSeconds();
        // A vote looks back at most one voting period plus twice the follow time.
        ulong span = _c.EpochsPerEth1VotingPeriod * _c.SlotsPerEpoch * _c.SecondsPerSlot + 2 * _c.SecondsPerEth1Block * _c.Eth1FollowDistance;
        ulong cutoff = now > span + 60 ? now - span - 60 : 0;
        ulong maxBlocks = 4 * _c.Eth1FollowDistance + 4 * _c.EpochsPerEth1VotingPeriod * _c.SlotsPerEpoch + 64;

        ulong next;
        lock (_gate) next = _blocks.Count > 0 ? _blocks.Keys[^1] + 1 : follow + 1;
        if (next > follow + 1 || (_blocks.Count > 0 && follow + 1 - next > maxBlocks)) { lock (_gate) _blocks.Clear(); next = follow + 1; }

        // Walk back on a cold start until the blocks are older than any vote needs.
        if (_blocks.Count == 0)
        {
            ulong n = follow;
            var back = new List<Eth1BlockHeader>();
            while (true)
            {
                var h = await Count(rpc.GetBlockAsync(n, ct)).ConfigureAwait(false) ?? throw new Eth1Exception($"block {n} not found");
                back.Add(h);
                if (h.Timestamp < cutoff || n == 0 || (ulong)back.Count >= maxBlocks || n <= _o.DeployBlock) break;
                n--;
            }
            back.Reverse();
            CheckLinked(back);
            lock (_gate) foreach (var h in back) _blocks[h.Number] = h;
            next = follow + 1;
        }
        for (ulong n = next; n <= follow; n++)
        {
            var h = await Count(rpc.GetBlockAsync(n, ct)).ConfigureAwait(false) ?? throw new Eth1Exception($"block {n} not found");
            lock (_gate)
            {
                if (_blocks.TryGetValue(n - 1, out var parent) && parent.Hash != h.ParentHash)
                {
                    // The next round walks back over the new chain from scratch.
                    _o.Log?.Invoke($"eth1: block {n}'s parent is not the block {n - 1} seen before (a reorg deeper than the follow distance): dropping the cached blocks");
                    _blocks.Clear();
                    _store?.PutEth1([], EncodeSnapshot());
                    return;
                }
                _blocks[n] = h;
            }
        }
        lock (_gate)
        {
            while (_blocks.Count > 1 && (_blocks.Values[0].Timestamp < cutoff || (ulong)_blocks.Count > maxBlocks)) _blocks.RemoveAt(0);
            _store?.PutEth1([], EncodeSnapshot());
        }
    }

    private static void CheckLinked(List<Eth1BlockHeader> blocks)
    {
        for (int i = 1; i < blocks.Count; i++)
            if (blocks[i].ParentHash != blocks[i - 1].Hash) throw new Eth1Exception($"block {blocks[i].Number}'s parent hash does not match block {blocks[i - 1].Number}");
    }

    // ------------------------------------------------------------------ production

    /// <summary>The followed blocks as eth1 voting sees them, ascending.</summary>
    public List<FollowedEth1Block> Eth1Chain()
    {
        lock (_gate)
        {
            var list = new List<FollowedEth1Block>(_blocks.Count);
            foreach (var h in _blocks.Values)
            {
                if (h.Number >= _nextLogBlock) break; // its deposits are not all in yet
                ulong count = _cache.CountAtBlock(h.Number);
                list.Add(new FollowedEth1Block(h.Number, h.Hash, h.Timestamp, _cache.RootAt(count), count));
            }
            return list;
        }
    }

    public Eth1Data GetEth1Vote(BeaconState state) => Eth1Voting.GetEth1Vote(_c, state, Eth1Chain());

    public List<Deposit> GetDeposits(BeaconState state, Eth1Data eth1Data)
    {
        if (eth1Data.DepositCount <= state.Eth1DepositIndex) return [];
        lock (_gate)
        {
            ulong count = eth1Data.DepositCount;
            if (count > _cache.Count)
                throw new NodeRequestException($"the chain's eth1 data names {count} deposits and this node has followed {_cache.Count}: cannot include deposits yet");
            if (_cache.RootAt(count) != eth1Data.DepositRoot)
                throw new NodeRequestException($"the chain's deposit root {eth1Data.DepositRoot} at {count} deposits is not the followed contract's {_cache.RootAt(count)}");
            int n = (int)Math.Min(_c.MaxDeposits, count - state.Eth1DepositIndex);
            try
            {
                return _cache.DepositsWithProofs(state.Eth1DepositIndex, n, count);
            }
            catch (Eth1Exception e)
            {
                throw new NodeRequestException(e.Message);
            }
        }
    }

    // ------------------------------------------------------------------ persistence

    private byte[] EncodeDeposit(DepositData data, ulong block)
    {
        var ssz = _c.Schema.Serialize(data);
        var v = new byte[8 + ssz.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(v, block);
        ssz.CopyTo(v, 8);
        return v;
    }

    // version, next log block, deposit count, deposit root, header count, headers (number, hash, parent, timestamp)
    private byte[] EncodeSnapshot()
    {
        var v = new byte[1 + 8 + 8 + 32 + 4 + _blocks.Count * 80];
        v[0] = SnapshotVersion;
        BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(1), _nextLogBlock);
        BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(9), _cache.Count);
        _cache.RootAt(_cache.Count).AsSpan().CopyTo(v.AsSpan(17));
        BinaryPrimitives.WriteInt32LittleEndian(v.AsSpan(49), _blocks.Count);
        int at = 53;
        foreach (var h in _blocks.Values)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(at), h.Number);
            h.Hash.AsSpan().CopyTo(v.AsSpan(at + 8));
            h.ParentHash.AsSpan().CopyTo(v.AsSpan(at + 40));
            BinaryPrimitives.WriteUInt64LittleEndian(v.AsSpan(at + 72), h.Timestamp);
            at += 80;
        }
        return v;
    }

    /// <summary>Restores deposits and headers; a snapshot that does not match its deposits is dropped and the history fetched again.</summary>
    private void Load(BeaconStore store)
    {
        var snap = store.GetEth1Snapshot();
        if (snap is null) return;
        try
        {
            if (snap.Length < 53 || snap[0] != SnapshotVersion) throw new Eth1Exception("unknown snapshot format");
            ulong next = BinaryPrimitives.ReadUInt64LittleEndian(snap.AsSpan(1));
            ulong count = BinaryPrimitives.ReadUInt64LittleEndian(snap.AsSpan(9));
            var root = Bytes32.FromSpan(snap.AsSpan(17, 32));
            int headers = BinaryPrimitives.ReadInt32LittleEndian(snap.AsSpan(49));
            if (headers < 0 || snap.Length != 53 + headers * 80) throw new Eth1Exception("snapshot length does not match its header count");
            ulong i = 0;
            foreach (var v in store.GetEth1Deposits())
            {
                if (i == count) break;
                if (v.Length < 8) throw new Eth1Exception($"deposit record {i} is truncated");
                var data = _c.Schema.Deserialize<DepositData>(v.AsSpan(8).ToArray());
                _cache.Add(data, i, BinaryPrimitives.ReadUInt64LittleEndian(v));
                i++;
            }
            if (_cache.Count != count || _cache.RootAt(count) != root)
                throw new Eth1Exception($"the stored deposits ({_cache.Count}, root {_cache.RootAt(_cache.Count)}) do not match the snapshot ({count}, root {root})");
            for (int k = 0; k < headers; k++)
            {
                int at = 53 + k * 80;
                var h = new Eth1BlockHeader(BinaryPrimitives.ReadUInt64LittleEndian(snap.AsSpan(at)), Bytes32.FromSpan(snap.AsSpan(at + 8, 32)),
                    Bytes32.FromSpan(snap.AsSpan(at + 40, 32)), BinaryPrimitives.ReadUInt64LittleEndian(snap.AsSpan(at + 72)));
                _blocks[h.Number] = h;
            }
            _nextLogBlock = Math.Max(next, _o.DeployBlock);
            _o.Log?.Invoke($"eth1: resuming from the stored snapshot: {count} deposits, logs scanned up to block {(next == 0 ? 0 : next - 1)}, {headers} recent block headers");
        }
        catch (Exception e) when (e is Eth1Exception or SszException)
        {
            _o.Log?.Invoke($"eth1: the stored eth1 data is unusable ({e.Message}): fetching the deposit history again");
            store.ClearEth1();
            _cache.Clear();
            _blocks.Clear();
            _nextLogBlock = _o.DeployBlock;
        }
    }
}
