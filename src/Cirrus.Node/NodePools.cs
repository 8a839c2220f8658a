using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Node.Pools;

namespace Cirrus.Node;

/// <summary>
/// What the node holds for blocks and fork choice besides blocks: verified attestations and
/// operations waiting for inclusion, and current-slot votes waiting for fork choice (which only
/// counts an attestation from the slot after its own).
/// </summary>
internal sealed class NodePools(ChainConfig config, ISignatureVerifier? verifier, int maxDeferred)
{
    private readonly Lock _lock = new();
    private readonly List<Attestation> _deferred = [];

    public AttestationPool Attestations { get; } = new(config);
    public OperationPool Operations { get; } = new(config, verifier);

    /// <summary>Holds a vote for fork choice until its slot has passed; bounded: the oldest give way.</summary>
    public void Defer(Attestation attestation)
    {
        lock (_lock)
        {
            if (_deferred.Count >= maxDeferred) _deferred.RemoveAt(0);
            _deferred.Add(attestation);
        }
    }

    /// <summary>Takes out the held votes from slots before <paramref name="currentSlot"/>.</summary>
    public List<Attestation> TakeDue(ulong currentSlot)
    {
        lock (_lock)
        {
            if (_deferred.Count == 0) return [];
            var due = _deferred.Where(a => a.Data.Slot < currentSlot).ToList();
            if (due.Count > 0) _deferred.RemoveAll(a => a.Data.Slot < currentSlot);
            return due;
        }
    }
}
