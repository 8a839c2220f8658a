using System.Globalization;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Prometheus;

namespace Cirrus.Node.Monitoring;

/// <summary>
/// Follows chosen validators (by public key, or by index as the validator client subscribes them) through the
/// head state: per epoch whether their attestation was included, at what distance, with the right head, target
/// and source; their proposals made and missed; their balance change. Read from the head block's state once per
/// slot: epoch E's record is built from the state's previous_epoch_attestations while the head is in E+1 (every
/// attestation for E is included by then) and is final when the head or the clock moves past E+1, when it is
/// logged, counted in metrics and shown on the status page. Epochs the head passed between two calls (a burst of
/// imports, an epoch without blocks) are read from the canonical chain's states at their boundaries, the most recent
/// <see cref="MaxCatchUpEpochs"/> of them; older ones (a long sync) are skipped, and the log says so.
/// </summary>
public sealed class ValidatorMonitor
{
    /// <summary>Validators monitored at most (automatic additions stop there; the status page and metrics stay bounded).</summary>
    public const int MaxValidators = 4096;
    private const int MaxDuties = 256;

    /// <summary>Skipped epochs rebuilt per call at most: each costs three state reads.</summary>
    public const int MaxCatchUpEpochs = 4;

    private readonly BeaconChain _chain;
    private readonly ChainConfig _c;
    private readonly Action<string> _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<Bytes48, ulong?> _byPubkey = [];
    private readonly HashSet<ulong> _pendingIndices = [];
    private readonly Dictionary<ulong, Bytes48> _indices = [];
    // balances at the start of each epoch (from the first head state seen in it)
    private readonly Dictionary<ulong, Dictionary<ulong, ulong>> _startBalances = [];
    // proposers of each epoch's slots, from the first head state seen in the epoch
    private readonly Dictionary<ulong, ulong[]> _proposers = [];
    private readonly Dictionary<ulong, MonitoredEpoch> _last = [];
    private readonly Dictionary<ulong, (ulong Epoch, Dictionary<ulong, MonitoredEpoch> Records, Dictionary<ulong, ulong> AttSlots)> _building = [];
    private readonly LinkedList<MonitoredDuty> _duties = new();
    private IReadOnlyList<MonitoredValidator> _snapshot = [];
    private ulong? _buildingEpoch;
    private ulong? _lastFinishedEpoch;

    private readonly Gauge _count, _balance, _inclusion, _included, _head, _target, _source, _delta;
    private readonly Counter _attMissed, _propMade, _propMissed;

    public ValidatorMonitor(BeaconChain chain, Action<string> log, CollectorRegistry? registry = null)
    {
        _chain = chain;
        _c = chain.Config;
        _log = log;
        var f = Metrics.WithCustomRegistry(registry ?? Metrics.NewCustomRegistry());
        var by = new GaugeConfiguration { LabelNames = ["validator"] };
        var byC = new CounterConfiguration { LabelNames = ["validator"] };
        _count = f.CreateGauge("cirrus_validator_monitor_validators", "Validators the monitor follows.");
        _balance = f.CreateGauge("cirrus_validator_monitor_balance_gwei", "Balance in the head state.", by);
        _inclusion = f.CreateGauge("cirrus_validator_monitor_prev_epoch_inclusion_distance", "Inclusion distance (slots) of the last finished epoch's attestation.", by);
        _included = f.CreateGauge("cirrus_validator_monitor_prev_epoch_attestation_included", "1 if the last finished epoch's attestation reached the chain.", by);
        _head = f.CreateGauge("cirrus_validator_monitor_prev_epoch_head_correct", "1 if the last finished epoch's attestation voted for the right head.", by);
        _target = f.CreateGauge("cirrus_validator_monitor_prev_epoch_target_correct", "1 if the last finished epoch's attestation voted for the right target.", by);
        _source = f.CreateGauge("cirrus_validator_monitor_prev_epoch_source_correct", "1 if the last finished epoch's attestation had the right source.", by);
        _delta = f.CreateGauge("cirrus_validator_monitor_prev_epoch_balance_delta_gwei", "Balance change over the last finished epoch.", by);
        _attMissed = f.CreateCounter("cirrus_validator_monitor_attestations_missed_total", "Epochs whose attestation never reached the chain.", byC);
        _propMade = f.CreateCounter("cirrus_validator_monitor_proposals_total", "Blocks proposed that reached the chain.", byC);
        _propMissed = f.CreateCounter("cirrus_validator_monitor_proposals_missed_total", "Proposal slots with no block on the chain.", byC);
    }

    /// <summary>Monitors the validator with this public key (it may join the registry later).</summary>
    public void AddPubkey(Bytes48 pubkey)
    {
        lock (_lock)
            if (_byPubkey.Count < MaxValidators) _byPubkey.TryAdd(pubkey, null);
    }

    /// <summary>Monitors the validator at this index (e.g. a validator client subscribed it); automatic additions are logged once.</summary>
    public void AddIndex(ulong index, bool auto = false)
    {
        lock (_lock)
        {
            if (_indices.ContainsKey(index) || _byPubkey.Count + _pendingIndices.Count >= MaxValidators) return;
            if (_pendingIndices.Add(index) && auto) _log($"validator monitor: following validator {index} (subscribed by a validator client)");
        }
    }

    public int Count { get { lock (_lock) return _byPubkey.Count + _pendingIndices.Count; } }

    /// <summary>The monitored validators as of the last slot.</summary>
    public IReadOnlyList<MonitoredValidator> Validators() => Volatile.Read(ref _snapshot);

    /// <summary>The most recent finished duties, newest first.</summary>
    public IReadOnlyList<MonitoredDuty> RecentDuties(int max)
    {
        lock (_lock) return _duties.Take(max).ToList();
    }

    /// <summary>The record of a finished epoch for a validator (null if none yet).</summary>
    public MonitoredEpoch? LastEpoch(ulong index)
    {
        lock (_lock) return _last.GetValueOrDefault(index);
    }

    /// <summary>Reads the head state: call once per slot.</summary>
    public void OnSlot()
    {
        lock (_lock)
            if (_byPubkey.Count == 0 && _pendingIndices.Count == 0) return;
        var head = _chain.GetCanonicalState(_chain.HeadSlot);
        if (head is not { } h) return;
        var cs = h.State;
        var s = cs.State;
        ulong epoch = cs.CurrentEpoch;
        var missed = MissedEpochs(epoch);
        lock (_lock)
        {
            Resolve(s);
            if (!_startBalances.ContainsKey(epoch))
            {
                _startBalances[epoch] = _indices.Keys.ToDictionary(i => i, i => s.Balances[(int)i]);
                _proposers[epoch] = Proposers(cs, epoch);
                foreach (var old in _startBalances.Keys.Where(e => e + 4 < epoch).ToList()) _startBalances.Remove(old);
                foreach (var old in _proposers.Keys.Where(e => e + 4 < epoch).ToList()) _proposers.Remove(old);
            }
            // final once the head entered a later epoch, or the clock did (no attestation for b is includable after b+1)
            ulong clockEpoch = _chain.CurrentSlot / _c.SlotsPerEpoch;
            if (_buildingEpoch is { } b && ((epoch > 0 && epoch - 1 > b) || clockEpoch >= b + 2)) Finish(b, s);
            foreach (var m in missed)
            {
                if (_lastFinishedEpoch is { } done && m.Epoch <= done) continue;
                _startBalances.TryAdd(m.Epoch, Balances(m.Start.State));
                _startBalances.TryAdd(m.Epoch + 1, Balances(m.End.State));
                _proposers.TryAdd(m.Epoch, Proposers(m.Start, m.Epoch));
                Build(m.Last, m.Epoch);
                Finish(m.Epoch, m.Last.State);
            }
            if (epoch > 0 && _lastFinishedEpoch != epoch - 1)
            {
                Build(cs, epoch - 1);
                _buildingEpoch = epoch - 1;
            }
            var list = new List<MonitoredValidator>();
            foreach (var (pk, idx) in _byPubkey.OrderBy(p => p.Value ?? ulong.MaxValue))
            {
                if (idx is { } i && i < (ulong)s.Validators.Count)
                {
                    _balance.WithLabels(Label(i)).Set(s.Balances[(int)i]);
                    list.Add(new MonitoredValidator(pk, i, ValidatorStatus.Of(s.Validators[(int)i], _c.SlotsPerEpoch, s.Slot), s.Balances[(int)i], _last.GetValueOrDefault(i)));
                }
                else list.Add(new MonitoredValidator(pk, null, null, null, null));
            }
            _count.Set(list.Count);
            Volatile.Write(ref _snapshot, list);
        }
    }

    /// <summary>
    /// The epochs between the one last built and the head's previous one, with the canonical states they need: at the
    /// epoch's start (balances, proposers), at the next one's start (balances) and at the last slot of the next epoch
    /// (its previous_epoch_attestations hold every attestation for the epoch). Read outside the lock: they may replay blocks.
    /// </summary>
    private List<(ulong Epoch, CachedBeaconState Start, CachedBeaconState End, CachedBeaconState Last)> MissedEpochs(ulong headEpoch)
    {
        ulong? seen;
        lock (_lock) seen = _buildingEpoch ?? _lastFinishedEpoch;
        var result = new List<(ulong, CachedBeaconState, CachedBeaconState, CachedBeaconState)>();
        if (seen is not { } from || headEpoch < from + 3) return result;
        ulong first = from + 1, last = headEpoch - 2;
        if (last - first + 1 > MaxCatchUpEpochs)
        {
            _log($"validator monitor: epochs {first}..{last - MaxCatchUpEpochs} passed while the node caught up: not recorded");
            first = last - MaxCatchUpEpochs + 1;
        }
        ulong spe = _c.SlotsPerEpoch;
        for (ulong e = first; e <= last; e++)
        {
            if (StateAt(e * spe) is not { } start || StateAt((e + 1) * spe) is not { } end || StateAt((e + 2) * spe - 1) is not { } final)
            {
                _log($"validator monitor: epoch {e}: the chain's states are no longer at hand: not recorded");
                continue;
            }
            result.Add((e, start, end, final));
        }
        return result;
    }

    /// <summary>The canonical chain's state at <paramref name="slot"/>: its latest block's post-state (replayed from the store below finality) advanced to the slot.</summary>
    private CachedBeaconState? StateAt(ulong slot)
    {
        if (_chain.CanonicalRootAt(slot) is not { } root || _chain.GetBlockState(root) is not { } state) return null;
        var cs = new CachedBeaconState(_c, state); // GetBlockState hands out a copy: ours to advance
        if (state.Slot < slot) StateTransition.ProcessSlots(cs, slot);
        return cs;
    }

    /// <summary>The monitored validators' balances in an older state (a validator may not have joined yet).</summary>
    private Dictionary<ulong, ulong> Balances(BeaconState s) =>
        _indices.Keys.Where(i => i < (ulong)s.Balances.Count).ToDictionary(i => i, i => s.Balances[(int)i]);

    private static string Label(ulong i) => i.ToString(CultureInfo.InvariantCulture);

    /// <summary>Matches public keys to indices and indices to public keys in the registry.</summary>
    private void Resolve(BeaconState s)
    {
        foreach (ulong i in _pendingIndices.ToList())
            if (i < (ulong)s.Validators.Count)
            {
                var pk = s.Validators[(int)i].Pubkey;
                _byPubkey[pk] = i;
                _pendingIndices.Remove(i);
            }
        if (_byPubkey.ContainsValue(null))
        {
            var missing = _byPubkey.Where(p => p.Value is null).Select(p => p.Key).ToHashSet();
            for (int i = 0; i < s.Validators.Count && missing.Count > 0; i++)
                if (missing.Remove(s.Validators[i].Pubkey)) _byPubkey[s.Validators[i].Pubkey] = (ulong)i;
        }
        foreach (var (pk, idx) in _byPubkey)
            if (idx is { } i && _indices.TryAdd(i, pk))
            {
                // the counters exist at 0 from the start, so dashboards show 0 rather than no data
                string l = Label(i);
                _attMissed.WithLabels(l);
                _propMade.WithLabels(l);
                _propMissed.WithLabels(l);
            }
    }

    private ulong[] Proposers(CachedBeaconState cs, ulong epoch)
    {
        var active = cs.GetShuffling(epoch).ActiveIndices;
        var result = new ulong[_c.SlotsPerEpoch];
        ulong start = epoch * _c.SlotsPerEpoch;
        for (ulong k = 0; k < _c.SlotsPerEpoch; k++)
            result[k] = active.Length == 0 ? ulong.MaxValue : BeaconStateAccessors.ComputeBeaconProposerIndex(_c, cs.State, active, start + k);
        return result;
    }

    /// <summary>Builds (or rebuilds with a later head) epoch <paramref name="epoch"/>'s records from the head state in epoch+1.</summary>
    private void Build(CachedBeaconState cs, ulong epoch)
    {
        var s = cs.State;
        ulong n = _c.SlotsPerHistoricalRoot, start = epoch * _c.SlotsPerEpoch;
        var targetRoot = s.BlockRoots[start % n];
        var records = new Dictionary<ulong, MonitoredEpoch>();
        var attSlots = new Dictionary<ulong, ulong>();
        var shuffling = cs.GetShuffling(epoch);
        foreach (var a in s.PreviousEpochAttestations)
        {
            if (a.Data.Target.Epoch != epoch) continue;
            var committee = shuffling.Committee(a.Data.Slot, a.Data.Index);
            for (int k = 0; k < committee.Length && k < a.AggregationBits.Count; k++)
            {
                if (!a.AggregationBits[k]) continue;
                ulong v = (ulong)committee[k];
                if (!_indices.ContainsKey(v)) continue;
                bool head = a.Data.BeaconBlockRoot == s.BlockRoots[a.Data.Slot % n];
                bool target = a.Data.Target.Root == targetRoot;
                // included previous-epoch attestations all had the state's source (process_attestation checks it)
                if (records.TryGetValue(v, out var r) && r.InclusionDistance <= a.InclusionDelay)
                {
                    records[v] = r with { Head = r.Head == true || head, Target = r.Target == true || target };
                    continue;
                }
                records[v] = new MonitoredEpoch(epoch, true, true, a.InclusionDelay, head || r?.Head == true, target || r?.Target == true, true, 0, 0, null);
                attSlots[v] = a.Data.Slot;
            }
        }
        foreach (ulong v in _indices.Keys)
        {
            bool active = v < (ulong)s.Validators.Count && Predicates.IsActiveValidator(s.Validators[(int)v], epoch);
            var r = records.GetValueOrDefault(v) ?? new MonitoredEpoch(epoch, active, false, null, null, null, null, 0, 0, null);
            int due = 0, made = 0;
            if (_proposers.TryGetValue(epoch, out var props))
                for (ulong k = 0; k < _c.SlotsPerEpoch; k++)
                {
                    ulong slot = start + k;
                    if (props[k] != v || slot == 0) continue;
                    due++;
                    if (s.BlockRoots[slot % n] != s.BlockRoots[(slot - 1) % n]) made++;
                }
            long? delta = _startBalances.TryGetValue(epoch, out var b0) && _startBalances.TryGetValue(epoch + 1, out var b1)
                && b0.TryGetValue(v, out ulong x0) && b1.TryGetValue(v, out ulong x1) ? (long)x1 - (long)x0 : null;
            records[v] = r with { Active = active, ProposalsDue = due, ProposalsMade = made, BalanceDeltaGwei = delta };
        }
        _building[epoch] = (epoch, records, attSlots);
    }

    /// <summary>The epoch's records are final: metrics, duties, the log line.</summary>
    private void Finish(ulong epoch, BeaconState s)
    {
        _buildingEpoch = null;
        _lastFinishedEpoch = epoch;
        if (!_building.Remove(epoch, out var built)) return;
        foreach (var old in _building.Keys.Where(e => e < epoch).ToList()) _building.Remove(old);
        int active = 0, attested = 0, head = 0, target = 0, source = 0, due = 0, made = 0;
        ulong distanceSum = 0;
        long deltaSum = 0;
        var problems = new List<string>();
        ulong start = epoch * _c.SlotsPerEpoch;
        foreach (var (v, r) in built.Records.OrderBy(p => p.Key))
        {
            _last[v] = r;
            string l = Label(v);
            due += r.ProposalsDue;
            made += r.ProposalsMade;
            if (r.ProposalsMade > 0) _propMade.WithLabels(l).Inc(r.ProposalsMade);
            if (r.ProposalsDue > r.ProposalsMade)
            {
                _propMissed.WithLabels(l).Inc(r.ProposalsDue - r.ProposalsMade);
                problems.Add($"{v} missed {r.ProposalsDue - r.ProposalsMade} proposal(s)");
            }
            if (_proposers.TryGetValue(epoch, out var props))
                for (ulong k = 0; k < _c.SlotsPerEpoch; k++)
                    if (props[k] == v && start + k > 0)
                    {
                        ulong slot = start + k;
                        bool ok = s.BlockRoots[slot % _c.SlotsPerHistoricalRoot] != s.BlockRoots[(slot - 1) % _c.SlotsPerHistoricalRoot];
                        AddDuty(new MonitoredDuty(epoch, slot, v, "proposal", ok ? "block on chain" : "missed: no block", ok));
                    }
            if (r.BalanceDeltaGwei is { } d)
            {
                deltaSum += d;
                _delta.WithLabels(l).Set(d);
            }
            if (!r.Active) continue;
            active++;
            if (r.Attested)
            {
                attested++;
                distanceSum += r.InclusionDistance ?? 0;
                if (r.Head == true) head++;
                if (r.Target == true) target++;
                if (r.Source == true) source++;
                _included.WithLabels(l).Set(1);
                _inclusion.WithLabels(l).Set(r.InclusionDistance ?? 0);
                _head.WithLabels(l).Set(r.Head == true ? 1 : 0);
                _target.WithLabels(l).Set(r.Target == true ? 1 : 0);
                _source.WithLabels(l).Set(r.Source == true ? 1 : 0);
                AddDuty(new MonitoredDuty(epoch, built.AttSlots.TryGetValue(v, out ulong at) ? at : null, v, "attestation",
                    $"included after {r.InclusionDistance} slot(s); head {(r.Head == true ? "✓" : "✗")} target {(r.Target == true ? "✓" : "✗")} source ✓",
                    r.Target == true));
            }
            else
            {
                _included.WithLabels(l).Set(0);
                _head.WithLabels(l).Set(0);
                _target.WithLabels(l).Set(0);
                _source.WithLabels(l).Set(0);
                _attMissed.WithLabels(l).Inc();
                problems.Add($"{v} attestation missing");
                AddDuty(new MonitoredDuty(epoch, null, v, "attestation", "missed: not on chain", false));
            }
        }
        string mean = attested == 0 ? "-" : ((double)distanceSum / attested).ToString("0.00", CultureInfo.InvariantCulture);
        _log($"validator monitor: epoch {epoch}: {built.Records.Count} validator(s), {active} active | attestations included {attested}/{active}, " +
             $"mean inclusion distance {mean}, head {head}/{attested}, target {target}/{attested}, source {source}/{attested} | proposals {made}/{due} | " +
             $"balance change {deltaSum} gwei" + (problems.Count == 0 ? "" : " | " + string.Join(", ", problems.Take(8)) + (problems.Count > 8 ? $", … ({problems.Count} in all)" : "")));
    }

    private void AddDuty(MonitoredDuty d)
    {
        _duties.AddFirst(d);
        while (_duties.Count > MaxDuties) _duties.RemoveLast();
    }
}
