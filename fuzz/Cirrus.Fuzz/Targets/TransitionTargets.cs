using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Fuzz.Targets;

/// <summary>
/// The nfuzz-style state-transition targets. Input: one byte choosing a pre-state from states/TARGET/
/// (minimal preset, taken from the spec vectors), then the SSZ operation. Signatures are collected
/// (signing roots, pubkey lookups) but not verified, as in beacon-fuzz's BLS-off builds, so a
/// mutation reaches the checks behind them; deposits verify theirs, since that decides an outcome.
/// Oracle: only SszException (decoding) or StateTransitionException (the spec's asserts); a rejected
/// operation leaves the state root unchanged; an accepted one leaves the incremental hash cache
/// agreeing with a fresh hash_tree_root.
/// </summary>
public abstract class TransitionTarget<TOp> : FuzzTarget, IPreStateTarget
{
    protected static readonly ChainConfig Config = ChainConfig.Minimal;
    protected static readonly ISignatureVerifier Verifier = new BlsSignatureVerifier();
    private readonly List<(CachedBeaconState State, Bytes32 Root)> _states = [];

    /// <summary>The spec-test handler whose pre-states and operations seed this target, e.g. "operations/attestation".</summary>
    protected abstract string Handler { get; }

    /// <summary>The operation's file name in a spec-test case, e.g. "attestation.ssz".</summary>
    protected abstract string OperationFile { get; }

    protected abstract void Apply(CachedBeaconState cs, TOp op, SignatureCollector sigs);

    /// <summary>True for single operations: the spec asserts before it changes anything.</summary>
    protected virtual bool RejectionLeavesStateUnchanged => true;

    public override IReadOnlyList<Type> Rejections { get; } = [typeof(SszException), typeof(StateTransitionException)];

    public override void Prepare(FuzzDirs dirs)
    {
        string dir = dirs.States(Name);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.ssz").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0) throw new FileNotFoundException($"no pre-states in {dir} (cirrus-fuzz seed makes them)");
        foreach (var f in files)
        {
            var cs = new CachedBeaconState(Config, Config.Schema.Deserialize<BeaconState>(File.ReadAllBytes(f)));
            _states.Add((cs, cs.HashTreeRoot()));
        }
    }

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) throw new SszException("empty input");
        var (pre, preRoot) = _states[input[0] % _states.Count];
        var opBytes = input[1..];
        var type = Config.Schema.Get<TOp>();
        TOp op = type.Deserialize(opBytes);
        if (!type.Serialize(op).AsSpan().SequenceEqual(opBytes))
            throw new InvariantViolation($"{typeof(TOp).Name} decoded from bytes that do not re-encode to themselves");
        var cs = pre.Copy(withHashCache: true);
        try
        {
            Apply(cs, op, new SignatureCollector(Verifier));
        }
        catch (StateTransitionException) when (RejectionLeavesStateUnchanged)
        {
            if (Config.Schema.HashTreeRoot(cs.State) != preRoot)
                throw new InvariantViolation($"a rejected {typeof(TOp).Name} changed the state");
            throw;
        }
        CheckHashCache(cs);
    }

    /// <summary>The cache updated incrementally must give the root a fresh hash gives.</summary>
    protected static void CheckHashCache(CachedBeaconState cs)
    {
        if (cs.HashTreeRoot() != Config.Schema.HashTreeRoot(cs.State))
            throw new InvariantViolation("the state's incremental hash cache disagrees with a fresh hash_tree_root");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        // One seed per spec case: its pre-state's index among the distinct pre-states, then its operation.
        var (_, cases) = SpecCases(sources);
        foreach (var (caseName, stateIndex, dir) in cases)
        {
            string opPath = Path.Combine(dir, OperationFile);
            if (File.Exists(opPath)) yield return (caseName, [(byte)stateIndex, .. File.ReadAllBytes(opPath)]);
        }
    }

    public List<byte[]> PreStates(SeedSources sources) => SpecCases(sources).States;

    /// <summary>The handler's distinct pre-states (at most 32, in case order) and each case's index into them.</summary>
    public (List<byte[]> States, List<(string Case, int StateIndex, string Dir)> Cases) SpecCases(SeedSources sources)
    {
        string root = Path.Combine(sources.SpecTests, "minimal", "phase0", Handler, "pyspec_tests");
        var states = new List<byte[]>();
        var cases = new List<(string, int, string)>();
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"spec vectors not found: {root}");
        foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            string pre = Path.Combine(dir, "pre.ssz");
            if (!File.Exists(pre)) continue;
            byte[] bytes = File.ReadAllBytes(pre);
            int i = states.FindIndex(s => s.AsSpan().SequenceEqual(bytes));
            if (i < 0)
            {
                if (states.Count == 32) continue;
                states.Add(bytes);
                i = states.Count - 1;
            }
            cases.Add((Path.GetFileName(dir), i, dir));
        }
        return (states, cases);
    }
}

public sealed class AttestationTarget : TransitionTarget<Attestation>
{
    public override string Name => "attestation";
    public override string Description => "process_attestation on a spec pre-state";
    protected override string Handler => "operations/attestation";
    protected override string OperationFile => "attestation.ssz";
    // v0.12.3 appends the pending attestation before it asserts is_valid_indexed_attestation.
    protected override bool RejectionLeavesStateUnchanged => false;
    protected override void Apply(CachedBeaconState cs, Attestation op, SignatureCollector sigs) => BlockProcessing.ProcessAttestation(cs, op, sigs);
}

public sealed class AttesterSlashingTarget : TransitionTarget<AttesterSlashing>
{
    public override string Name => "attester_slashing";
    public override string Description => "process_attester_slashing on a spec pre-state";
    protected override string Handler => "operations/attester_slashing";
    protected override string OperationFile => "attester_slashing.ssz";
    protected override void Apply(CachedBeaconState cs, AttesterSlashing op, SignatureCollector sigs) => BlockProcessing.ProcessAttesterSlashing(cs, op, sigs);
}

public sealed class ProposerSlashingTarget : TransitionTarget<ProposerSlashing>
{
    public override string Name => "proposer_slashing";
    public override string Description => "process_proposer_slashing on a spec pre-state";
    protected override string Handler => "operations/proposer_slashing";
    protected override string OperationFile => "proposer_slashing.ssz";
    protected override void Apply(CachedBeaconState cs, ProposerSlashing op, SignatureCollector sigs) => BlockProcessing.ProcessProposerSlashing(cs, op, sigs);
}

public sealed class VoluntaryExitTarget : TransitionTarget<SignedVoluntaryExit>
{
    public override string Name => "voluntary_exit";
    public override string Description => "process_voluntary_exit on a spec pre-state";
    protected override string Handler => "operations/voluntary_exit";
    protected override string OperationFile => "voluntary_exit.ssz";
    protected override void Apply(CachedBeaconState cs, SignedVoluntaryExit op, SignatureCollector sigs) => BlockProcessing.ProcessVoluntaryExit(cs, op, sigs);
}

public sealed class DepositTarget : TransitionTarget<Deposit>
{
    public override string Name => "deposit";
    public override string Description => "process_deposit on a spec pre-state (Merkle proof and deposit signature verified)";
    protected override string Handler => "operations/deposit";
    protected override string OperationFile => "deposit.ssz";
    protected override void Apply(CachedBeaconState cs, Deposit op, SignatureCollector sigs) => BlockProcessing.ProcessDeposit(cs, op, Verifier, verifySignatures: true);
}

public sealed class BlockHeaderTarget : TransitionTarget<BeaconBlock>
{
    public override string Name => "block_header";
    public override string Description => "process_block_header on a spec pre-state";
    protected override string Handler => "operations/block_header";
    protected override string OperationFile => "block.ssz";
    // The spec stores latest_block_header before it asserts the proposer is not slashed.
    protected override bool RejectionLeavesStateUnchanged => false;
    protected override void Apply(CachedBeaconState cs, BeaconBlock op, SignatureCollector sigs) => BlockProcessing.ProcessBlockHeader(cs, op);
}

/// <summary>
/// state_transition of a SignedBeaconBlock (slots, then the block; neither signatures nor the state root
/// are checked, so a mutated block gets past them). The harness refuses blocks more than two epochs past the pre-state
/// (<see cref="HarnessLimit"/>): empty slots only cost time. A rejected block may leave the working copy
/// half-changed, as in the spec; the chain always applies blocks to a copy.
/// </summary>
public sealed class BlockTarget : TransitionTarget<SignedBeaconBlock>
{
    public override string Name => "block";
    public override string Description => "state_transition (process_slots + process_block, state root unchecked) on a spec pre-state";
    protected override string Handler => "sanity/blocks";
    protected override string OperationFile => "blocks_0.ssz";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(SszException), typeof(StateTransitionException), typeof(HarnessLimit)];

    protected override bool RejectionLeavesStateUnchanged => false;

    protected override void Apply(CachedBeaconState cs, SignedBeaconBlock op, SignatureCollector sigs)
    {
        if (op.Message.Slot > cs.State.Slot + 2 * Config.SlotsPerEpoch) throw new HarnessLimit("block more than two epochs past the pre-state");
        StateTransition.Apply(cs, op, verifier: null, validateResult: false);
    }
}

/// <summary>A target that runs on pre-states written to states/TARGET/ by `cirrus-fuzz seed`.</summary>
public interface IPreStateTarget
{
    List<byte[]> PreStates(SeedSources sources);
}

/// <summary>An input the harness declines for cost, not a component's rejection (documented per target).</summary>
public sealed class HarnessLimit(string message) : Exception(message);
