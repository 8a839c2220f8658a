using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node.Pools;

/// <summary>
/// Proposer slashings, attester slashings and voluntary exits waiting for a block. Each is checked
/// on insert (by <see cref="Validation.MessageValidator"/>, or the Add methods here) by running the state transition's own processing (signatures included when a
/// verifier is given) on a copy of the head state, deduplicated, and re-checked against the
/// block's state when packed. Thread-safe.
/// </summary>
public sealed class OperationPool(ChainConfig config, ISignatureVerifier? verifier)
{
    private readonly object _lock = new();
    private readonly Dictionary<ulong, ProposerSlashing> _proposerSlashings = [];
    private readonly Dictionary<Bytes32, AttesterSlashing> _attesterSlashings = [];
    private readonly Dictionary<ulong, SignedVoluntaryExit> _exits = [];

    /// <summary>Validates against <paramref name="head"/> (not modified) and adds; throws <see cref="NodeRequestException"/>.</summary>
    public void AddProposerSlashing(ProposerSlashing slashing, CachedBeaconState head)
    {
        Run(() => CheckProposerSlashing(head, slashing, verifier));
        AddValidated(slashing);
    }

    public void AddAttesterSlashing(AttesterSlashing slashing, CachedBeaconState head)
    {
        Run(() => CheckAttesterSlashing(head, slashing, verifier));
        AddValidated(slashing);
    }

    public void AddVoluntaryExit(SignedVoluntaryExit exit, CachedBeaconState head)
    {
        Run(() => CheckVoluntaryExit(head, exit, verifier));
        AddValidated(exit);
    }

    /// <summary>Adds a slashing the caller validated (see <see cref="Validation.MessageValidator"/>); the first per proposer is kept.</summary>
    public void AddValidated(ProposerSlashing slashing)
    {
        lock (_lock) _proposerSlashings.TryAdd(slashing.SignedHeader1.Message.ProposerIndex, config.Schema.Copy(slashing));
    }

    public void AddValidated(AttesterSlashing slashing)
    {
        var root = config.Schema.HashTreeRoot(slashing);
        lock (_lock) _attesterSlashings.TryAdd(root, config.Schema.Copy(slashing));
    }

    public void AddValidated(SignedVoluntaryExit exit)
    {
        lock (_lock) _exits.TryAdd(exit.Message.ValidatorIndex, config.Schema.Copy(exit));
    }

    /// <summary>
    /// spec: process_proposer_slashing on a copy of <paramref name="state"/> (not modified), with
    /// its signatures when a verifier is given. Throws <see cref="StateTransitionException"/>.
    /// </summary>
    public static void CheckProposerSlashing(CachedBeaconState state, ProposerSlashing slashing, ISignatureVerifier? verifier) =>
        Check(state, verifier, (cs, sigs) => BlockProcessing.ProcessProposerSlashing(cs, slashing, sigs));

    /// <summary>spec: process_attester_slashing, as <see cref="CheckProposerSlashing"/>.</summary>
    public static void CheckAttesterSlashing(CachedBeaconState state, AttesterSlashing slashing, ISignatureVerifier? verifier) =>
        Check(state, verifier, (cs, sigs) => BlockProcessing.ProcessAttesterSlashing(cs, slashing, sigs));

    /// <summary>spec: process_voluntary_exit, as <see cref="CheckProposerSlashing"/>.</summary>
    public static void CheckVoluntaryExit(CachedBeaconState state, SignedVoluntaryExit exit, ISignatureVerifier? verifier) =>
        Check(state, verifier, (cs, sigs) => BlockProcessing.ProcessVoluntaryExit(cs, exit, sigs));

    public List<ProposerSlashing> ProposerSlashings { get { lock (_lock) return _proposerSlashings.Values.Select(config.Schema.Copy).ToList(); } }

    public List<AttesterSlashing> AttesterSlashings { get { lock (_lock) return _attesterSlashings.Values.Select(config.Schema.Copy).ToList(); } }

    public List<SignedVoluntaryExit> VoluntaryExits { get { lock (_lock) return _exits.Values.Select(config.Schema.Copy).ToList(); } }

    /// <summary>
    /// The operations for a block on <paramref name="state"/> (advanced to the block's slot; not
    /// modified): each applied in block order to a scratch copy, kept when it still applies, up to
    /// the MAX_* limits. Operations that conflict with an earlier pick are left out (not removed).
    /// </summary>
    public (List<ProposerSlashing> ProposerSlashings, List<AttesterSlashing> AttesterSlashings, List<SignedVoluntaryExit> Exits)
        SelectForBlock(CachedBeaconState state)
    {
        var scratch = state.Copy();
        var ps = Pick(scratch, ProposerSlashings, config.MaxProposerSlashings, (cs, op) => BlockProcessing.ProcessProposerSlashing(cs, op, null));
        var asl = Pick(scratch, AttesterSlashings, config.MaxAttesterSlashings, (cs, op) => BlockProcessing.ProcessAttesterSlashing(cs, op, null));
        var ex = Pick(scratch, VoluntaryExits, config.MaxVoluntaryExits, (cs, op) => BlockProcessing.ProcessVoluntaryExit(cs, op, null));
        return (ps, asl, ex);
    }

    /// <summary>Drops operations that no longer apply to <paramref name="head"/> (included, or made moot).</summary>
    public void Prune(CachedBeaconState head)
    {
        var s = head.State;
        ulong epoch = head.CurrentEpoch;
        lock (_lock)
        {
            foreach (var (k, op) in _proposerSlashings.ToList())
                if (k >= (ulong)s.Validators.Count || !Consensus.Helpers.Predicates.IsSlashableValidator(s.Validators[(int)k], epoch))
                    _proposerSlashings.Remove(k);
            foreach (var (k, op) in _exits.ToList())
                if (k >= (ulong)s.Validators.Count || s.Validators[(int)k].ExitEpoch != ChainConfig.FarFutureEpoch)
                    _exits.Remove(k);
            foreach (var (k, op) in _attesterSlashings.ToList())
            {
                var both = op.Attestation1.AttestingIndices.Intersect(op.Attestation2.AttestingIndices);
                if (!both.Any(i => i < (ulong)s.Validators.Count && Consensus.Helpers.Predicates.IsSlashableValidator(s.Validators[(int)i], epoch)))
                    _attesterSlashings.Remove(k);
            }
        }
    }

    private static List<T> Pick<T>(CachedBeaconState scratch, List<T> ops, ulong max, Action<CachedBeaconState, T> apply)
    {
        var chosen = new List<T>();
        foreach (var op in ops)
        {
            if ((ulong)chosen.Count >= max) break;
            try
            {
                apply(scratch, op);
                chosen.Add(op);
            }
            catch (StateTransitionException)
            {
                // Conflicts with an earlier pick or no longer applies.
            }
        }
        return chosen;
    }

    private static void Check(CachedBeaconState state, ISignatureVerifier? verifier, Action<CachedBeaconState, SignatureCollector?> process)
    {
        var copy = state.Copy();
        var sigs = verifier is null ? null : new SignatureCollector(verifier);
        process(copy, sigs);
        sigs?.VerifyAndClear(copy.State.Validators);
    }

    private static void Run(Action check)
    {
        try
        {
            check();
        }
        catch (StateTransitionException e)
        {
            throw new NodeRequestException(e.Message);
        }
    }
}
