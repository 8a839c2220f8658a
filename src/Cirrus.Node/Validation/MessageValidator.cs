using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Validation;

/// <summary>
/// Validation of gossip messages by the [IGNORE]/[REJECT] conditions of the phase0 p2p-interface
/// (v0.12.3), one method per topic, with the seen-caches the conditions need. Gossip and the REST
/// API both call it (one instance per node), so every message is checked by the same rules once.
/// <para>
/// Order: the spec's conditions, except that checks needing neither a state nor BLS (the block
/// tree, the seen caches) run before the ones that need them, so junk costs no state copy or
/// pairing. A message failing several conditions may therefore report another one than the spec's
/// first; the set of accepted messages is the same. Seen caches record a message only once it is
/// valid. Thread-safe: the chain is read through its public API (copies), caches have own locks.
/// </para>
/// </summary>
public sealed partial class MessageValidator
{
    /// <summary>p2p-interface: ATTESTATION_SUBNET_COUNT.</summary>
    public const ulong AttestationSubnetCount = 64;
    /// <summary>p2p-interface: ATTESTATION_PROPAGATION_SLOT_RANGE.</summary>
    public const ulong AttestationPropagationSlotRange = 32;
    /// <summary>p2p-interface: MAXIMUM_GOSSIP_CLOCK_DISPARITY.</summary>
    public static readonly TimeSpan MaximumGossipClockDisparity = TimeSpan.FromMilliseconds(500);

    private const int MaxSeen = 1 << 20;
    private const int MaxInvalidBlocks = 4096;
    private const int MaxCachedStates = 8;
    private const int MaxAncestryMemo = 1 << 16;

    private readonly BeaconChain _chain;
    private readonly ChainConfig _config;
    private readonly Func<DateTimeOffset>? _clock;

    private readonly SeenCache<ulong> _seenBlockProposers = new(MaxSeen);    // slot -> proposer
    private readonly SeenCache<ulong> _seenAttesters = new(MaxSeen);         // target epoch -> validator
    private readonly SeenCache<ulong> _seenAggregators = new(MaxSeen);       // target epoch -> aggregator
    private readonly SeenCache<Bytes32> _seenAggregates = new(MaxSeen);      // slot -> hash_tree_root(aggregate)
    // Exits and slashings are filed under period 0: one entry per validator at most.
    private readonly SeenCache<ulong> _seenExits = new(MaxSeen);
    private readonly SeenCache<ulong> _seenProposerSlashings = new(MaxSeen);
    private readonly SeenCache<ulong> _seenSlashedAttesters = new(MaxSeen);

    private readonly Lock _invalidLock = new();
    private readonly HashSet<Bytes32> _invalidBlocks = [];
    private readonly Queue<Bytes32> _invalidOrder = new();

    private readonly Lock _ancestryLock = new();
    private readonly Dictionary<Bytes32, bool> _descendsFromFinalized = [];
    private Bytes32 _ancestryFinalizedRoot;

    /// <summary>
    /// A validator over <paramref name="chain"/>. With <paramref name="clock"/> (the node's wall clock)
    /// slot checks allow MAXIMUM_GOSSIP_CLOCK_DISPARITY at slot edges; without it the chain's current
    /// slot is used as is (its fork-choice time has whole-second resolution and is not exposed).
    /// </summary>
    public MessageValidator(BeaconChain chain, Func<DateTimeOffset>? clock = null)
    {
        _chain = chain;
        _config = chain.Config;
        _clock = clock;
    }

    /// <summary>spec (validator.md): compute_subnet_for_attestation.</summary>
    public static ulong ComputeSubnetForAttestation(ChainConfig config, ulong committeesPerSlot, ulong slot, ulong committeeIndex)
    {
        ulong slotsSinceEpochStart = slot % config.SlotsPerEpoch;
        ulong committeesSinceEpochStart = committeesPerSlot * slotsSinceEpochStart;
        return (committeesSinceEpochStart + committeeIndex) % AttestationSubnetCount;
    }

    /// <summary>
    /// Records a block that failed import (e.g. <see cref="BeaconChain.SubmitBlock"/> threw), so its
    /// children are rejected ([REJECT] parent passes validation) and votes for it too. Bounded.
    /// Only for failures of the block's message: a bad signature does not make its root invalid.
    /// </summary>
    public void MarkInvalidBlock(Bytes32 blockRoot)
    {
        lock (_invalidLock)
        {
            if (!_invalidBlocks.Add(blockRoot)) return;
            _invalidOrder.Enqueue(blockRoot);
            if (_invalidOrder.Count > MaxInvalidBlocks) _invalidBlocks.Remove(_invalidOrder.Dequeue());
        }
    }

    private bool IsKnownInvalid(Bytes32 blockRoot)
    {
        lock (_invalidLock) return _invalidBlocks.Contains(blockRoot);
    }

    /// <summary>
    /// The current slot as a range: the chain's slot, widened by MAXIMUM_GOSSIP_CLOCK_DISPARITY on
    /// the wall clock when one was given. "Future" means after Latest, "too old" before Earliest.
    /// </summary>
    private (ulong Earliest, ulong Latest) CurrentSlots()
    {
        ulong slot = _chain.CurrentSlot;
        if (_clock is null) return (slot, slot);
        long now = _clock().ToUnixTimeMilliseconds();
        long genesis = (long)_chain.GenesisTime * 1000;
        long slotMs = (long)_config.SecondsPerSlot * 1000;
        long disparity = (long)MaximumGossipClockDisparity.TotalMilliseconds;
        ulong At(long ms) => ms <= genesis ? 0 : (ulong)((ms - genesis) / slotMs);
        return (Math.Min(slot, At(now - disparity)), Math.Max(slot, At(now + disparity)));
    }

    private ulong StartSlot(ulong epoch) => Misc.ComputeStartSlotAtEpoch(_config, epoch);

    private ulong EpochOf(ulong slot) => Misc.ComputeEpochAtSlot(_config, slot);

    /// <summary>spec: get_ancestor over the chain's blocks; null when a block on the way is not held.</summary>
    private Bytes32? GetAncestor(Bytes32 root, ulong slot)
    {
        var r = root;
        while (true)
        {
            var b = _chain.GetBlock(r);
            if (b is null) return null;
            if (b.Message.Slot <= slot) return r;
            r = b.Message.ParentRoot; // slots fall on every step: the walk ends
        }
    }

    /// <summary>
    /// get_ancestor(store, root, compute_start_slot_at_epoch(finalized.epoch)) == finalized.root,
    /// memoized per finalized root so that walks through long unfinalized stretches are paid once.
    /// </summary>
    private bool DescendsFromFinalized(Bytes32 root, Checkpoint finalized)
    {
        ulong finalizedSlot = StartSlot(finalized.Epoch);
        var path = new List<Bytes32>();
        bool result;
        var r = root;
        while (true)
        {
            lock (_ancestryLock)
            {
                if (_ancestryFinalizedRoot != finalized.Root)
                {
                    _descendsFromFinalized.Clear();
                    _ancestryFinalizedRoot = finalized.Root;
                }
                if (_descendsFromFinalized.TryGetValue(r, out result)) break;
            }
            var b = _chain.GetBlock(r);
            if (b is null)
            {
                result = false;
                break;
            }
            if (b.Message.Slot <= finalizedSlot)
            {
                result = r == finalized.Root;
                break;
            }
            path.Add(r);
            r = b.Message.ParentRoot;
        }
        lock (_ancestryLock)
        {
            if (_ancestryFinalizedRoot == finalized.Root)
            {
                if (_descendsFromFinalized.Count + path.Count > MaxAncestryMemo) _descendsFromFinalized.Clear();
                foreach (var p in path) _descendsFromFinalized[p] = result;
            }
        }
        return result;
    }

    /// <summary>Drops seen entries no message can match any more (attestations older than the propagation range, blocks at or below finality).</summary>
    private void Prune(ulong currentSlot)
    {
        ulong oldestSlot = currentSlot > AttestationPropagationSlotRange ? currentSlot - AttestationPropagationSlotRange : 0;
        ulong oldestEpoch = EpochOf(oldestSlot);
        _seenAttesters.PruneBelow(oldestEpoch);
        _seenAggregators.PruneBelow(oldestEpoch);
        _seenAggregates.PruneBelow(oldestSlot);
        _seenBlockProposers.PruneBelow(StartSlot(_chain.FinalizedCheckpoint.Epoch));
    }

    private static bool IsSignatureError(StateTransitionException e) => e.Error is TransitionError.BlockSignatureInvalid
        or TransitionError.ProposerSlashingSignatureInvalid or TransitionError.IndexedAttestationSignatureInvalid
        or TransitionError.ExitSignatureInvalid or TransitionError.SignatureBatchInvalid or TransitionError.RandaoRevealInvalid;
}
