using Cirrus.Consensus.Helpers;
using Cirrus.Node.Validation;

namespace Cirrus.Network.Gossip;

/// <summary>
/// Attestation subnets (validator.md "Phase 0 attestation subnet stability"): short-lived subscriptions
/// for the committees our validators aggregate, joined ahead of their slot from the validator clients'
/// beacon_committee_subscriptions, and RANDOM_SUBNETS_PER_VALIDATOR long-lived random subnets per
/// validator, each kept EPOCHS_PER_RANDOM_SUBNET_SUBSCRIPTION to twice that, advertised in the ENR's
/// attnets and our metadata.
/// </summary>
public sealed class SubnetService(Eth2Network net)
{
    private readonly object _lock = new();
    private readonly Dictionary<int, ulong> _shortLived = []; // subnet -> last slot needed
    private readonly Dictionary<int, ulong> _longLived = [];  // subnet -> expiry epoch
    private readonly Dictionary<ulong, ulong> _validators = []; // validator index -> last epoch seen
    private readonly HashSet<int> _subscribed = [];
    private readonly Random _random = new();

    public IReadOnlyCollection<int> Subscribed { get { lock (_lock) return _subscribed.ToArray(); } }

    public void OnSlot(ulong slot)
    {
        var c = net.Config;
        ulong epoch = Misc.ComputeEpochAtSlot(c, slot);
        var desired = new HashSet<int>();
        lock (_lock)
        {
            if (net.CommitteeSubscriptions is { } subs)
            {
                foreach (var s in subs.Due(slot, slot + c.SlotsPerEpoch))
                {
                    _validators[s.ValidatorIndex] = epoch;
                    if (!s.IsAggregator) continue;
                    int subnet = (int)MessageValidator.ComputeSubnetForAttestation(c, s.CommitteesAtSlot, s.Slot, s.CommitteeIndex);
                    _shortLived[subnet] = Math.Max(_shortLived.GetValueOrDefault(subnet), s.Slot);
                }
            }
            foreach (var (v, seen) in _validators.ToList())
                if (seen + 2 < epoch) _validators.Remove(v); // a validator client that stopped subscribing
            foreach (var (s, last) in _shortLived.ToList())
                if (last < slot) _shortLived.Remove(s);
            foreach (var (s, expiry) in _longLived.ToList())
                if (expiry <= epoch) _longLived.Remove(s);
            int wanted = (int)Math.Min(P2pConstants.AttestationSubnetCount, (ulong)_validators.Count * c.RandomSubnetsPerValidator);
            while (_longLived.Count > wanted) _longLived.Remove(_longLived.Keys.First());
            while (_longLived.Count < wanted)
            {
                int s = _random.Next(P2pConstants.AttestationSubnetCount);
                if (_longLived.ContainsKey(s)) continue;
                ulong span = c.EpochsPerRandomSubnetSubscription;
                _longLived[s] = epoch + span + (ulong)_random.NextInt64((long)Math.Max(1, span));
            }
            ulong mask = 0;
            foreach (var s in _longLived.Keys) mask |= 1UL << s;
            net.SetAttnets(mask);
            if (net.Options.SubscribeAllSubnets)
                for (int i = 0; i < P2pConstants.AttestationSubnetCount; i++) desired.Add(i);
            desired.UnionWith(_shortLived.Keys);
            desired.UnionWith(_longLived.Keys);
            foreach (var s in desired.Except(_subscribed).ToList())
            {
                net.Gossip.Subscribe(net.GossipHandlers.Topic(GossipTopicNames.Attestation(s)));
                _subscribed.Add(s);
            }
            foreach (var s in _subscribed.Except(desired).ToList())
            {
                net.Gossip.Unsubscribe(net.GossipHandlers.Topic(GossipTopicNames.Attestation(s)));
                _subscribed.Remove(s);
            }
        }
    }
}
