using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Cirrus.Api.Types;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Validator.Keys;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Validator.Client;

/// <summary>What a validator client runs with.</summary>
public sealed class ValidatorClientOptions
{
    /// <summary>The network's config: the node must agree on SECONDS_PER_SLOT, SLOTS_PER_EPOCH and GENESIS_FORK_VERSION.</summary>
    public required ChainConfig Config { get; init; }
    /// <summary>Beacon node REST URLs, in order of preference.</summary>
    public required IReadOnlyList<Uri> BeaconNodes { get; init; }
    /// <summary>Holds the slashing-protection database (and the imported keystores the caller loaded).</summary>
    public required string DataDir { get; init; }
    public required IReadOnlyList<ValidatorKey> Keys { get; init; }
    /// <summary>When the network's genesis is known, the node must be on that chain.</summary>
    public Bytes32? ExpectedGenesisValidatorsRoot { get; init; }
    public Bytes32 Graffiti { get; init; }
    public Func<DateTimeOffset> Now { get; init; } = () => DateTimeOffset.UtcNow;
    public Action<string> Log { get; init; } = _ => { };
    /// <summary>Pause between attempts to reach a node that does not answer.</summary>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>Per-request timeout (default: one slot, at least 2 s).</summary>
    public TimeSpan? RequestTimeout { get; init; }
    /// <summary>
    /// Watch the chain for <see cref="Doppelganger.WatchEpochs"/> epochs before signing anything, and stop if our keys
    /// are live (see <see cref="Doppelganger"/>). The command line turns it on unless told not to.
    /// </summary>
    public bool DoppelgangerProtection { get; init; }

    /// <summary>Graffiti from text: UTF-8, at most 32 bytes, zero-padded.</summary>
    public static Bytes32 GraffitiFromText(string text)
    {
        byte[] b = Encoding.UTF8.GetBytes(text);
        if (b.Length > 32) throw new ValidatorException($"graffiti '{text}' is {b.Length} bytes in UTF-8; at most 32 fit");
        var g = new byte[32];
        b.CopyTo(g, 0);
        return Bytes32.FromSpan(g);
    }
}

/// <summary>An attester duty with its selection proof and whether it makes the validator an aggregator.</summary>
public sealed record AttesterDutyInfo(AttesterDuty Duty, Bytes96 SelectionProof, bool IsAggregator);

/// <summary>The duties of our validators in one epoch.</summary>
public sealed record EpochDuties(ulong Epoch, IReadOnlyList<ProposerDuty> Proposers, IReadOnlyList<AttesterDutyInfo> Attesters)
{
    /// <summary>False while only the attester duties are known (fetched a epoch ahead).</summary>
    public bool ProposersKnown { get; init; }
    /// <summary>The block the attester duties were computed for (the node's dependent_root; null if it sent none).</summary>
    public Bytes32? AttesterDependentRoot { get; init; }
    /// <summary>The block the proposer duties were computed for.</summary>
    public Bytes32? ProposerDependentRoot { get; init; }
}

/// <summary>
/// The validator client: keeps the chain's clock, fetches its validators' duties from the beacon
/// node(s) each epoch (and again after a re-org), and proposes, attests and aggregates on time,
/// every signature checked by slashing protection first. Talks to the node over HTTP only.
/// Node failures never stop it: a duty that cannot be done is logged and counted as missed.
/// </summary>
public sealed class ValidatorClient : IDisposable
{
    private readonly ValidatorClientOptions _o;
    private readonly ChainConfig _c;
    private readonly Action<string> _log;
    private readonly BeaconNodePool _pool;
    private readonly Dictionary<Bytes48, ValidatorKey> _keys = new();
    private readonly ConcurrentDictionary<ulong, ValidatorKey> _byIndex = new();
    private readonly ConcurrentDictionary<ulong, EpochDuties> _duties = new();
    private readonly ConcurrentDictionary<(ulong Validator, ulong Slot), Bytes96> _selectionProofs = new();
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource> _headSeen = new();
    private readonly ConcurrentDictionary<(ulong Slot, ulong Committee), AttestationData> _attested = new();
    private readonly ConcurrentDictionary<(ulong Epoch, DutyKind Kind), int[]> _epochTally = new();
    // (slot, kind) whose duties this client went through, so a late duty fetch does not count them missed.
    private readonly ConcurrentDictionary<(ulong Slot, DutyKind Kind), bool> _handled = new();
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    // (epoch, dependent root) pairs a head event already sent us to refetch for: once each, so a node whose
    // duties and events disagree cannot make us refetch on every head.
    private readonly ConcurrentDictionary<(ulong Epoch, string Kind, Bytes32 Root), bool> _dependentRefetched = new();
    private readonly List<Task> _inFlight = [];
    private SlashingProtectionDb? _protection;
    private DutySigning? _signing;
    private SlotClock? _clock;
    private volatile bool _dutiesStale;
    private ulong? _refreshedEpoch;
    private ulong? _summarized;
    private ulong _unknownKeysLoggedEpoch = ulong.MaxValue;

    public ValidatorClient(ValidatorClientOptions options, ValidatorMetrics? metrics = null)
    {
        _o = options;
        _c = options.Config;
        _log = options.Log;
        if (options.Keys.Count == 0) throw new ValidatorException("no validator keys: import keystores into the data directory or give interop keys");
        if (options.BeaconNodes.Count == 0) throw new ValidatorException("no beacon node URL given");
        foreach (var k in options.Keys) _keys[Bytes48.FromSpan(k.PublicKey.ToBytes())] = k;
        Metrics = metrics ?? new ValidatorMetrics();
        var timeout = options.RequestTimeout ?? TimeSpan.FromSeconds(Math.Max(2, _c.SecondsPerSlot));
        _pool = new BeaconNodePool(options.BeaconNodes, _c, timeout, Metrics, _log, options.Now);
    }

    public ValidatorMetrics Metrics { get; }
    public BeaconNodePool Nodes => _pool;
    /// <summary>Our validators whose index is known.</summary>
    public IReadOnlyDictionary<ulong, ValidatorKey> Indices => _byIndex;
    /// <summary>Set once the node was reached and checked.</summary>
    public SlotClock? Clock => _clock;

    /// <summary>
    /// Runs until <paramref name="ct"/> is cancelled. Throws <see cref="ValidatorException"/> when the
    /// node is on another network or chain, or slashing protection cannot be opened.
    /// </summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var genesis = await ConnectAsync(ct);
        if (genesis is null) return;
        _clock = new SlotClock(genesis.GenesisTime, _c.SecondsPerSlot, _c.SlotsPerEpoch, _o.Now);
        _protection = SlashingProtectionDb.Open(SlashingProtectionDb.PathIn(_o.DataDir), genesis.GenesisValidatorsRoot);
        if (_protection.Created) _log($"slashing protection: no database yet, created {_protection.Path} (first run)");
        _protection.RegisterValidators(_keys.Keys);
        _signing = new DutySigning(_c, genesis.GenesisValidatorsRoot, new Fork
        {
            PreviousVersion = genesis.GenesisForkVersion, CurrentVersion = genesis.GenesisForkVersion, Epoch = 0,
        });
        _log($"validator client: {_keys.Count} validator(s), {_o.BeaconNodes.Count} beacon node(s), genesis time {genesis.GenesisTime}, " +
             $"genesis validators root {genesis.GenesisValidatorsRoot}, slashing protection {_protection.Path}");

        if (_o.DoppelgangerProtection)
        {
            // the watch needs our indices: a node that fails here must not make it watch nothing
            while (_clock.CurrentSlot() is { } nowSlot)
            {
                try
                {
                    await ResolveIndicesAsync(_clock.EpochOf(nowSlot), ct);
                    break;
                }
                catch (BeaconApiException e)
                {
                    _log($"doppelganger protection: cannot look up our validators yet: {e.Message}");
                    if (!await Delay(_o.RetryInterval, ct)) return;
                }
            }
            try
            {
                await new Doppelganger(_pool, _clock, _log).WatchAsync(_byIndex.Keys.ToList(), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return; // stopped while watching: nothing was signed
            }
        }

        var events = new EventStream(_pool, OnEvent, _log);
        var eventsTask = Task.Run(() => events.RunAsync(ct), CancellationToken.None);
        try
        {
            await SlotLoopAsync(ct);
        }
        finally
        {
            Task[] pending;
            lock (_inFlight) pending = _inFlight.ToArray();
            try { await Task.WhenAll(pending.Append(eventsTask)); }
            catch (OperationCanceledException) { }
            _log("validator client stopped");
        }
    }

    // ---- start-up ----

    /// <summary>Waits for a node to answer, then checks it is on our network. Null when cancelled.</summary>
    private async Task<GenesisData?> ConnectAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            GenesisData genesis;
            Dictionary<string, string> spec;
            try
            {
                genesis = await _pool.RunAsync(c => c.GetGenesisAsync(ct), ct);
                spec = await _pool.RunAsync(c => c.GetSpecAsync(ct), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null;
            }
            catch (BeaconApiException e)
            {
                _log($"waiting for a beacon node ({string.Join(", ", _o.BeaconNodes)}): {e.Message}");
                if (!await Delay(_o.RetryInterval, ct)) return null;
                continue;
            }
            CheckNetwork(genesis, spec);
            return genesis;
        }
        return null;
    }

    /// <summary>Throws ValidatorException if the node's chain is not the one configured.</summary>
    public void CheckNetwork(GenesisData genesis, IReadOnlyDictionary<string, string> spec)
    {
        void Number(string name, ulong expected)
        {
            if (!spec.TryGetValue(name, out string? v))
                throw new ValidatorException($"the beacon node does not report {name}; cannot check that it runs the same network");
            if (!ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong got) || got != expected)
                throw new ValidatorException($"the beacon node runs another network: its {name} is {v}, ours is {expected}");
        }
        Number("SECONDS_PER_SLOT", _c.SecondsPerSlot);
        Number("SLOTS_PER_EPOCH", _c.SlotsPerEpoch);
        if (genesis.GenesisForkVersion != _c.GenesisForkVersion)
            throw new ValidatorException($"the beacon node runs another network: its genesis fork version is {genesis.GenesisForkVersion}, ours is {_c.GenesisForkVersion}");
        if (_o.ExpectedGenesisValidatorsRoot is { } gvr && genesis.GenesisValidatorsRoot != gvr)
            throw new ValidatorException($"the beacon node runs another chain: its genesis validators root is {genesis.GenesisValidatorsRoot}, ours is {gvr}");
    }

    // ---- the clock ----

    private async Task SlotLoopAsync(CancellationToken ct)
    {
        var clock = _clock!;
        ulong? lastDone = null;
        long lastGenesisLog = 0;
        while (!ct.IsCancellationRequested)
        {
            ulong? current = clock.CurrentSlot();
            if (current is null)
            {
                long now = _o.Now().ToUnixTimeMilliseconds();
                if (now - lastGenesisLog >= 10_000)
                {
                    _log($"waiting for genesis in {(clock.SlotStartMs(0) - now + 999) / 1000} s");
                    lastGenesisLog = now;
                }
                await clock.WaitUntilAsync(Math.Min(clock.SlotStartMs(0), now + 10_000), ct);
                continue;
            }
            ulong slot = current.Value;
            if (slot != lastDone)
            {
                await StartSlotAsync(slot, ct);
                lastDone = slot;
            }
            await clock.WaitUntilAsync(clock.SlotStartMs(slot + 1), ct);
        }
    }

    private async Task StartSlotAsync(ulong slot, CancellationToken ct)
    {
        ulong epoch = _clock!.EpochOf(slot);
        if (_refreshedEpoch != epoch || _dutiesStale)
        {
            if (epoch > 0 && _summarized != epoch - 1 && _refreshedEpoch is not null)
            {
                Summary(epoch - 1);
                _summarized = epoch - 1;
            }
            // A node whose clock is a little behind ours refuses the new epoch's proposer duties for a moment:
            // try again a few times early in the slot (the attester duties were fetched an epoch ahead).
            for (int attempt = 0; !await RefreshDutiesAsync(epoch, ct) && attempt < 3 && !ct.IsCancellationRequested; attempt++)
                if (!await Delay(TimeSpan.FromMilliseconds(Math.Min(300, _c.SecondsPerSlot * 1000 / 10)), ct)) break;
            if (_dutiesStale) _log($"duties for epoch {epoch} are not complete: trying again next slot");
        }
        foreach (var key in _headSeen.Keys.Where(s => s + 2 < slot)) _headSeen.TryRemove(key, out _);
        foreach (var key in _attested.Keys.Where(k => k.Slot + 2 < slot)) _attested.TryRemove(key, out _);
        foreach (var key in _handled.Keys.Where(k => k.Slot + 2 * _c.SlotsPerEpoch < slot)) _handled.TryRemove(key, out _);
        foreach (var key in _selectionProofs.Keys.Where(k => k.Slot + _c.SlotsPerEpoch < slot)) _selectionProofs.TryRemove(key, out _);
        foreach (var d in _duties.Keys.Where(e => e + 1 < epoch)) _duties.TryRemove(d, out _);
        foreach (var k in _dependentRefetched.Keys.Where(k => k.Epoch + 1 < epoch)) _dependentRefetched.TryRemove(k, out _);
        var task = Task.Run(() => SlotDutiesAsync(slot, ct), CancellationToken.None);
        lock (_inFlight)
        {
            _inFlight.RemoveAll(t => t.IsCompleted);
            _inFlight.Add(task);
        }
    }

    private void OnEvent(NodeEvent e)
    {
        if (e.Topic is "head" or "block")
            _headSeen.GetOrAdd(e.Slot, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        if (e.Topic == "head" && StaleDependentRoot(e) is { } why)
        {
            _log($"head at slot {e.Slot}: {why}: fetching duties again");
            _dutiesStale = true;
            if (_clock?.CurrentSlot() is { } s)
                _ = Task.Run(() => RefreshDutiesAsync(_clock.EpochOf(s), CancellationToken.None));
        }
        else if (e.Topic == "chain_reorg")
        {
            _log($"chain re-org at slot {e.Slot}: fetching duties again");
            _dutiesStale = true;
            if (_clock?.CurrentSlot() is { } s)
                _ = Task.Run(() => RefreshDutiesAsync(_clock.EpochOf(s), CancellationToken.None));
        }
    }

    /// <summary>
    /// Which of our duties a head event shows were computed on another chain than the head's, or null.
    /// previous_duty_dependent_root is what the attester duties of the head's epoch depend on;
    /// current_duty_dependent_root what its proposer duties and the next epoch's attester duties depend on.
    /// </summary>
    public string? StaleDependentRoot(NodeEvent e)
    {
        if (_clock is null) return null;
        ulong epoch = _clock.EpochOf(e.Slot);
        string? Check(ulong ep, Bytes32? had, Bytes32? now, string what)
        {
            if (had is not { } h || now is not { } n || h == n || !_dependentRefetched.TryAdd((ep, what, n), true)) return null;
            return $"the {what} duties of epoch {ep} were computed for block {Short(h)}, the head's chain has {Short(n)}";
        }
        var cur = DutiesAt(epoch);
        var next = DutiesAt(epoch + 1);
        string?[] stale =
        [
            Check(epoch, cur?.AttesterDependentRoot, e.PreviousDutyDependentRoot, "attester"),
            Check(epoch, cur?.ProposersKnown == true ? cur.ProposerDependentRoot : null, e.CurrentDutyDependentRoot, "proposer"),
            Check(epoch + 1, next?.AttesterDependentRoot, e.CurrentDutyDependentRoot, "attester"),
        ];
        var found = stale.OfType<string>().ToList();
        return found.Count == 0 ? null : string.Join("; ", found);
    }

    // ---- duties ----

    /// <summary>
    /// Resolves unknown validator indices, then fetches attester duties for the epoch and the next and
    /// proposer duties for the epoch. Attester duties are kept even when the proposer duties fail
    /// (a node whose clock has not reached the epoch yet refuses them). False if anything failed.
    /// </summary>
    public async Task<bool> RefreshDutiesAsync(ulong epoch, CancellationToken ct)
    {
        try { await _refreshGate.WaitAsync(ct); }
        catch (OperationCanceledException) { return false; }
        try
        {
            _dutiesStale = false;
            var fork = await _pool.RunAsync(c => c.GetForkAsync("head", ct), ct);
            _signing!.Fork = fork;
            await ResolveIndicesAsync(epoch, ct);
            if (_byIndex.IsEmpty)
            {
                _refreshedEpoch = epoch;
                return true;
            }
            var ours = _byIndex.Keys.Order().ToList();
            var subscriptions = new List<BeaconCommitteeSubscription>();
            for (ulong e = epoch; e <= epoch + 1; e++)
            {
                ulong ep = e;
                var att = await _pool.RunAsync(c => c.GetAttesterDutiesAsync(ep, ours, ct), ct);
                var infos = new List<AttesterDutyInfo>();
                foreach (var d in att.Items)
                {
                    if (!_byIndex.TryGetValue(d.ValidatorIndex, out var key)) continue;
                    var proof = _selectionProofs.GetOrAdd((d.ValidatorIndex, d.Slot),
                        _ => DutySigning.Sign(key.SecretKey, _signing.SelectionProofRoot(d.Slot)));
                    bool agg = ValidatorHelpers.IsAggregator(_c, (int)d.CommitteeLength, proof);
                    infos.Add(new AttesterDutyInfo(d, proof, agg));
                    subscriptions.Add(new BeaconCommitteeSubscription
                    {
                        ValidatorIndex = d.ValidatorIndex, CommitteeIndex = d.CommitteeIndex, CommitteesAtSlot = d.CommitteesAtSlot,
                        Slot = d.Slot, IsAggregator = agg,
                    });
                }
                var old = _duties.GetValueOrDefault(ep);
                if (old?.AttesterDependentRoot is { } was && att.DependentRoot is { } now && was != now)
                    _log($"attester duties of epoch {ep} changed: computed for block {Short(now)}, before for {Short(was)} (re-org)");
                _duties[ep] = new EpochDuties(ep, old?.Proposers ?? [], infos)
                {
                    ProposersKnown = old?.ProposersKnown ?? false, AttesterDependentRoot = att.DependentRoot, ProposerDependentRoot = old?.ProposerDependentRoot,
                };
            }
            try
            {
                await _pool.RunAsync(c => c.SubscribeToBeaconCommitteesAsync(subscriptions, ct), ct);
            }
            catch (BeaconApiException e)
            {
                _log($"committee subscriptions for epochs {epoch}-{epoch + 1} failed: {e.Message}");
            }
            var proposers = await _pool.RunAsync(c => c.GetProposerDutiesAsync(epoch, ct), ct);
            var mine = proposers.Items.Where(d => _byIndex.ContainsKey(d.ValidatorIndex)).ToList();
            if (_duties[epoch] is { ProposersKnown: true, ProposerDependentRoot: { } pWas } && proposers.DependentRoot is { } pNow && pWas != pNow)
                _log($"proposer duties of epoch {epoch} changed: computed for block {Short(pNow)}, before for {Short(pWas)} (re-org)");
            var cur = _duties[epoch] with { Proposers = mine, ProposersKnown = true, ProposerDependentRoot = proposers.DependentRoot };
            _duties[epoch] = cur;
            if (_refreshedEpoch != epoch)
            {
                // Duties learnt too late (the node was away at the epoch's start) are missed, and said so;
                // not at start-up, where earlier slots were not ours to do.
                ulong now = _refreshedEpoch is null ? 0 : _clock!.CurrentSlot() ?? 0;
                foreach (var p in cur.Proposers.Where(p => p.Slot < now && p.Slot > 0 && !_handled.ContainsKey((p.Slot, DutyKind.Proposal))))
                {
                    _log($"slot {p.Slot} validator {p.ValidatorIndex} proposal: missed: duties were not known in time");
                    Tally(p.Slot, DutyKind.Proposal, false);
                }
                var late = cur.Attesters.Where(a => a.Duty.Slot < now && !_handled.ContainsKey((a.Duty.Slot, DutyKind.Attestation))).ToList();
                if (late.Count > 0)
                {
                    _log($"epoch {epoch}: {late.Count} attestation(s) of earlier slots missed: duties were not known in time");
                    Tally(epoch * _c.SlotsPerEpoch, DutyKind.Attestation, false, late.Count);
                    Tally(epoch * _c.SlotsPerEpoch, DutyKind.Aggregation, false, late.Count(a => a.IsAggregator));
                }
                _log($"epoch {epoch}: {cur.Proposers.Count} proposal(s) at slot(s) [{string.Join(", ", cur.Proposers.Select(p => p.Slot))}], " +
                     $"{cur.Attesters.Count} attestation(s), {cur.Attesters.Count(a => a.IsAggregator)} aggregation(s)");
            }
            _refreshedEpoch = epoch;
            return true;
        }
        catch (BeaconApiException e)
        {
            _dutiesStale = true;
            _log($"cannot fetch duties for epoch {epoch}: {e.Message}");
            return false;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private async Task ResolveIndicesAsync(ulong epoch, CancellationToken ct)
    {
        var known = _byIndex.Values.ToHashSet();
        var unknown = _keys.Where(kv => !known.Contains(kv.Value)).Select(kv => kv.Key).ToList();
        if (unknown.Count == 0) return;
        var entries = await _pool.RunAsync(c => c.GetValidatorsAsync("head", unknown.Select(p => p.ToString()), ct), ct);
        int found = 0;
        foreach (var e in entries)
        {
            if (!_keys.TryGetValue(e.Validator.Pubkey, out var key)) continue;
            _byIndex[e.Index] = key;
            found++;
        }
        if (found > 0) _log($"{found} validator(s) found in the registry ({_byIndex.Count} of {_keys.Count} known)");
        if (found == 0 && _unknownKeysLoggedEpoch != epoch && await NodeSyncedAsync(ct) is { } head)
        {
            // Silence here once hid a node that ignored our query form: say it loudly.
            _log($"WARNING: the beacon node (synced, head slot {head}) knows none of the {unknown.Count} validator key(s) asked for. " +
                 "Either they are not deposited on this chain, or the node did not understand the request (check its version and logs).");
        }
        if (found < unknown.Count && _unknownKeysLoggedEpoch != epoch)
        {
            _log($"{unknown.Count - found} validator key(s) not in the registry yet (checked again each epoch)");
            _unknownKeysLoggedEpoch = epoch;
        }
    }

    /// <summary>The node's head slot when it is within an epoch of its clock (synced), else null; null too when it cannot say.</summary>
    private async Task<ulong?> NodeSyncedAsync(CancellationToken ct)
    {
        try
        {
            var sync = await _pool.RunAsync(c => c.GetSyncingAsync(ct), ct);
            return sync.SyncDistance <= _c.SlotsPerEpoch ? sync.HeadSlot : null;
        }
        catch (BeaconApiException)
        {
            return null;
        }
    }

    /// <summary>The duties known for the slot's epoch.</summary>
    public EpochDuties? DutiesAt(ulong epoch) => _duties.GetValueOrDefault(epoch);

    // ---- one slot ----

    /// <summary>
    /// True while the node says it is catching up with its peers (is_syncing): duties then wait, since signing
    /// on a stale head makes wrong votes. Logged once an epoch. Distance alone says nothing: a chain that was
    /// idle for hours is far behind its clock with no one to sync from, and only its validators can move it.
    /// </summary>
    private async Task<bool> NodeSyncingAsync(ulong slot, CancellationToken ct)
    {
        SyncingStatus sync;
        try { sync = await _pool.RunAsync(c => c.GetSyncingAsync(ct), ct); }
        catch (BeaconApiException) { return false; } // the duty calls will say what is wrong
        if (!sync.IsSyncing) return false;
        ulong epoch = _clock!.EpochOf(slot);
        if (_syncingLoggedEpoch != epoch)
        {
            _log($"slot {slot}: the beacon node is syncing (head slot {sync.HeadSlot}, {sync.SyncDistance} slots behind): duties wait until it has caught up");
            _syncingLoggedEpoch = epoch;
        }
        return true;
    }

    private ulong? _syncingLoggedEpoch;

    private async Task SlotDutiesAsync(ulong slot, CancellationToken ct)
    {
        try
        {
            if (await NodeSyncingAsync(slot, ct)) return;
            var clock = _clock!;
            var duties = DutiesAt(clock.EpochOf(slot));
            if (duties is null) return;
            if (duties.ProposersKnown) _handled[(slot, DutyKind.Proposal)] = true;
            // The genesis block holds slot 0: nobody proposes there.
            foreach (var p in duties.Proposers.Where(p => p.Slot == slot && slot > 0))
                await ProposeAsync(slot, p, ct);

            _handled[(slot, DutyKind.Attestation)] = true;
            var attesters = duties.Attesters.Where(a => a.Duty.Slot == slot).ToList();
            if (attesters.Count == 0) return;
            var seen = _headSeen.GetOrAdd(slot, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            await Task.WhenAny(seen.Task, clock.WaitUntilAsync(clock.AttestationDeadlineMs(slot), ct));
            if (ct.IsCancellationRequested) return;
            await AttestAsync(slot, attesters, ct);

            var aggregators = attesters.Where(a => a.IsAggregator).ToList();
            if (aggregators.Count == 0) return;
            if (!await clock.WaitUntilAsync(clock.AggregationTimeMs(slot), ct)) return;
            await AggregateAsync(slot, aggregators, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A bug must not stop the client: the slot's remaining duties are lost, the next slot runs.
            _log($"slot {slot}: internal error: {e.GetType().Name}: {e.Message}");
        }
    }

    private void Tally(ulong slot, DutyKind kind, bool ok, int n = 1)
    {
        if (n == 0) return;
        if (ok) Metrics.Performed(kind, n);
        else Metrics.Missed(kind, n);
        var t = _epochTally.GetOrAdd((slot / _c.SlotsPerEpoch, kind), _ => new int[2]);
        Interlocked.Add(ref t[ok ? 0 : 1], n);
    }

    private void Summary(ulong epoch)
    {
        string Part(DutyKind k, string name)
        {
            var t = _epochTally.GetValueOrDefault((epoch, k)) ?? new int[2];
            return $"{name} {t[0]} done / {t[1]} missed";
        }
        _log($"epoch {epoch} summary: {Part(DutyKind.Proposal, "proposals")}, {Part(DutyKind.Attestation, "attestations")}, " +
             $"{Part(DutyKind.Aggregation, "aggregations")}; slashing-protection refusals so far {Metrics.RefusalCount()}");
        foreach (var k in _epochTally.Keys.Where(k => k.Epoch + 2 < epoch)) _epochTally.TryRemove(k, out _);
    }

    private static string Short(Bytes32 root) => root.ToString()[..10];

    public async Task ProposeAsync(ulong slot, ProposerDuty duty, CancellationToken ct)
    {
        var key = _byIndex[duty.ValidatorIndex];
        string who = $"slot {slot} validator {duty.ValidatorIndex} proposal";
        try
        {
            var reveal = DutySigning.Sign(key.SecretKey, _signing!.RandaoRoot(slot / _c.SlotsPerEpoch));
            var block = await _pool.RunAsync(c => c.ProduceBlockAsync(slot, reveal, _o.Graffiti.IsZero ? null : _o.Graffiti, ct), ct);
            if (block.Slot != slot || block.ProposerIndex != duty.ValidatorIndex)
            {
                _log($"{who}: missed: the node built a block for slot {block.Slot} proposer {block.ProposerIndex}");
                Tally(slot, DutyKind.Proposal, false);
                return;
            }
            var root = _signing.BlockRoot(block);
            var check = _protection!.CheckAndInsertBlockProposal(Bytes48.FromSpan(key.PublicKey.ToBytes()), slot, root);
            if (!check.IsAllowed)
            {
                Metrics.Refused(DutyKind.Proposal);
                _log($"{who}: refused by slashing protection: {check}");
                Tally(slot, DutyKind.Proposal, false);
                return;
            }
            var signed = new SignedBeaconBlock { Message = block, Signature = DutySigning.Sign(key.SecretKey, root) };
            await _pool.RunAsync(c => c.PublishBlockAsync(signed, ct), ct);
            _log($"{who}: published block {Short(_c.Schema.HashTreeRoot(block))} with {block.Body.Attestations.Count} attestation(s)");
            Tally(slot, DutyKind.Proposal, true);
        }
        catch (BeaconApiException e)
        {
            _log($"{who}: missed: {e.Message}");
            Tally(slot, DutyKind.Proposal, false);
        }
        catch (ValidatorException e)
        {
            _log($"{who}: missed: {e.Message}");
            Tally(slot, DutyKind.Proposal, false);
        }
    }

    public async Task AttestAsync(ulong slot, IReadOnlyList<AttesterDutyInfo> duties, CancellationToken ct)
    {
        var attestations = new List<Attestation>();
        var sent = new List<AttesterDutyInfo>();
        foreach (var group in duties.GroupBy(d => d.Duty.CommitteeIndex))
        {
            AttestationData data;
            try
            {
                data = await _pool.RunAsync(c => c.GetAttestationDataAsync(slot, group.Key, ct), ct);
                if (data.Slot != slot || data.Index != group.Key)
                    throw new BeaconApiException($"attestation_data: asked for slot {slot} committee {group.Key}, got slot {data.Slot} committee {data.Index}", 200);
            }
            catch (BeaconApiException e)
            {
                foreach (var d in group)
                {
                    _log($"slot {slot} validator {d.Duty.ValidatorIndex} attestation: missed: {e.Message}");
                    Tally(slot, DutyKind.Attestation, false);
                }
                continue;
            }
            _attested[(slot, group.Key)] = data;
            var root = _signing!.AttestationRoot(data);
            foreach (var d in group)
            {
                var key = _byIndex[d.Duty.ValidatorIndex];
                SigningCheck check;
                try
                {
                    check = _protection!.CheckAndInsertAttestation(Bytes48.FromSpan(key.PublicKey.ToBytes()), data.Source.Epoch, data.Target.Epoch, root);
                }
                catch (ValidatorException e)
                {
                    _log($"slot {slot} validator {d.Duty.ValidatorIndex} attestation: missed: {e.Message}");
                    Tally(slot, DutyKind.Attestation, false);
                    continue;
                }
                if (!check.IsAllowed)
                {
                    Metrics.Refused(DutyKind.Attestation);
                    _log($"slot {slot} validator {d.Duty.ValidatorIndex} attestation: refused by slashing protection: {check}");
                    Tally(slot, DutyKind.Attestation, false);
                    continue;
                }
                if (d.Duty.ValidatorCommitteeIndex >= d.Duty.CommitteeLength)
                {
                    _log($"slot {slot} validator {d.Duty.ValidatorIndex} attestation: missed: malformed duty (position {d.Duty.ValidatorCommitteeIndex} in a committee of {d.Duty.CommitteeLength})");
                    Tally(slot, DutyKind.Attestation, false);
                    continue;
                }
                var bits = new Bitlist((int)d.Duty.CommitteeLength);
                bits[(int)d.Duty.ValidatorCommitteeIndex] = true;
                attestations.Add(new Attestation { AggregationBits = bits, Data = data, Signature = DutySigning.Sign(key.SecretKey, root) });
                sent.Add(d);
            }
        }
        if (attestations.Count == 0) return;
        var failures = await SubmitBatchAsync(attestations.Count, c => c.SubmitAttestationsAsync(attestations, ct), ct);
        for (int i = 0; i < sent.Count; i++)
        {
            var d = sent[i].Duty;
            string? why = failures[i];
            var data = attestations[i].Data;
            if (why is null)
                _log($"slot {slot} validator {d.ValidatorIndex} attestation: published (committee {d.CommitteeIndex}, head {Short(data.BeaconBlockRoot)}, source {data.Source.Epoch}, target {data.Target.Epoch})");
            else
                _log($"slot {slot} validator {d.ValidatorIndex} attestation: missed: {why}");
            Tally(slot, DutyKind.Attestation, why is null);
        }
    }

    /// <summary>
    /// POSTs a batch and says, per item, why it failed (null: accepted). A node that names the failed
    /// items fails just those; any other failure fails them all.
    /// </summary>
    private async Task<string?[]> SubmitBatchAsync(int count, Func<BeaconApiClient, Task> submit, CancellationToken ct)
    {
        var why = new string?[count];
        try
        {
            await _pool.RunAsync(submit, ct);
        }
        catch (BeaconApiException e)
        {
            if (e.Failures.Count == 0) Array.Fill(why, e.Message);
            foreach (var f in e.Failures)
                if (f.Index >= 0 && f.Index < count) why[f.Index] = f.Message;
        }
        return why;
    }

    public async Task AggregateAsync(ulong slot, IReadOnlyList<AttesterDutyInfo> aggregators, CancellationToken ct)
    {
        var signed = new List<SignedAggregateAndProof>();
        var sent = new List<AttesterDutyInfo>();
        var aggregates = new Dictionary<ulong, Attestation>();
        foreach (var a in aggregators)
        {
            var d = a.Duty;
            string who = $"slot {slot} validator {d.ValidatorIndex} aggregation";
            if (!_attested.TryGetValue((slot, d.CommitteeIndex), out var data))
            {
                _log($"{who}: missed: no attestation data for committee {d.CommitteeIndex}");
                Tally(slot, DutyKind.Aggregation, false);
                continue;
            }
            try
            {
                if (!aggregates.TryGetValue(d.CommitteeIndex, out var aggregate))
                {
                    var dataRoot = _c.Schema.HashTreeRoot(data);
                    aggregate = await _pool.RunAsync(c => c.GetAggregateAttestationAsync(dataRoot, slot, ct), ct);
                    if (_c.Schema.HashTreeRoot(aggregate.Data) != dataRoot)
                        throw new BeaconApiException($"aggregate_attestation: the node answered with another attestation data", 200);
                    aggregates[d.CommitteeIndex] = aggregate;
                }
                var message = new AggregateAndProof { AggregatorIndex = d.ValidatorIndex, Aggregate = aggregate, SelectionProof = a.SelectionProof };
                var key = _byIndex[d.ValidatorIndex];
                signed.Add(new SignedAggregateAndProof { Message = message, Signature = DutySigning.Sign(key.SecretKey, _signing!.AggregateAndProofRoot(message)) });
                sent.Add(a);
            }
            catch (BeaconApiException e)
            {
                _log($"{who}: missed: {e.Message}");
                Tally(slot, DutyKind.Aggregation, false);
            }
        }
        if (signed.Count == 0) return;
        var failures = await SubmitBatchAsync(signed.Count, c => c.SubmitAggregateAndProofsAsync(signed, ct), ct);
        for (int i = 0; i < sent.Count; i++)
        {
            var d = sent[i].Duty;
            string? why = failures[i];
            if (why is null)
                _log($"slot {slot} validator {d.ValidatorIndex} aggregation: published (committee {d.CommitteeIndex}, {signed[i].Message.Aggregate.AggregationBits.PopCount()} of {d.CommitteeLength} votes)");
            else
                _log($"slot {slot} validator {d.ValidatorIndex} aggregation: missed: {why}");
            Tally(slot, DutyKind.Aggregation, why is null);
        }
    }

    private static async Task<bool> Delay(TimeSpan t, CancellationToken ct)
    {
        try
        {
            await Task.Delay(t, ct);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _protection?.Dispose();
        _pool.Dispose();
        _refreshGate.Dispose();
    }
}
