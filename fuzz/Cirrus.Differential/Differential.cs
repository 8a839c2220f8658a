using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Differential;

public sealed record Options
{
    public int Cases { get; init; } = 100_000;
    public int Seed { get; init; } = 1;
    /// <summary>Epochs of base chain; 66 reaches SHARD_COMMITTEE_PERIOD (64), so exits can be valid.</summary>
    public int Epochs { get; init; } = 66;
    public int Validators { get; init; } = 64;
    public required string OutDir { get; init; }
    public required string RunnerScript { get; init; }
    public required string NodeModules { get; init; }
    public string Node { get; init; } = "node";
    /// <summary>Unexplained-mismatch folders written at most (every mismatch is counted; 100 explained ones are kept as samples).</summary>
    public int MaxSaved { get; init; } = 1000;
    /// <summary>Share of the cases that are one operation alone rather than a block (0: blocks only).</summary>
    public double Operations { get; init; }
    public Action<string>? Log { get; init; }
}

public sealed class Summary
{
    public int Cases, Operations;
    public int CirrusAccepts, CirrusRejects, LodestarAccepts, LodestarRejects;
    public int CirrusDecodeErrors, LodestarDecodeErrors;
    public int Mismatches, Explained, Unexplained, CirrusUnexpectedExceptions, HarnessErrors;
    public double Seconds, GenerateSeconds, CirrusSeconds;
    public readonly Dictionary<string, int> ExplainedBy = [];
    /// <summary>Cirrus's verdicts by the check that decided them: how deep the cases reach.</summary>
    public readonly Dictionary<string, int> CirrusVerdicts = [];
    public readonly List<string> UnexplainedSamples = [];

    public double CasesPerSecond => Cases / Math.Max(Seconds, 1e-9);

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"cases               {Cases} ({Cases - Operations} blocks, {Operations} single operations)");
        sb.AppendLine($"cirrus   accepts    {CirrusAccepts}, rejects {CirrusRejects} (of which undecodable {CirrusDecodeErrors})");
        sb.AppendLine($"lodestar accepts    {LodestarAccepts}, rejects {LodestarRejects} (of which undecodable {LodestarDecodeErrors})");
        sb.AppendLine($"mismatches          {Mismatches}: explained {Explained}, unexplained {Unexplained}");
        foreach (var (why, n) in ExplainedBy) sb.AppendLine($"  explained {n,7}  {why}");
        sb.AppendLine($"cirrus unexpected exceptions {CirrusUnexpectedExceptions}; harness errors (cases the mutator failed to make) {HarnessErrors}");
        sb.AppendLine("cirrus verdicts by deciding check:");
        foreach (var (why, n) in CirrusVerdicts.OrderByDescending(x => x.Value)) sb.AppendLine($"  {n,7}  {why}");
        sb.Append($"time                {Seconds:F1} s, {CasesPerSecond:F1} cases/s (making cases {GenerateSeconds:F1} s, Cirrus's verdicts {CirrusSeconds:F1} s, Lodestar in parallel)");
        return sb.ToString();
    }
}

/// <summary>
/// The differential run: cases from <see cref="Mutator"/> applied by Cirrus (signatures verified,
/// state root checked, as state_transition does) and by Lodestar; verdicts and post-state roots compared,
/// every mismatch's pre-state, block and both answers written to a folder.
/// </summary>
public static class DifferentialRun
{
    private sealed record Pending(int Index, Case? Case, Outcome Cirrus, Bytes32 PreRoot);

    public static Summary Run(Options o)
    {
        var log = o.Log ?? Console.WriteLine;
        var c = ChainConfig.Minimal;
        var rng = new Random(o.Seed);
        var sw = Stopwatch.StartNew();
        var chain = new BaseChain(c, o.Validators, o.Epochs, extraKeys: 4, rng);
        log($"base chain: {o.Validators} validators, {chain.Slots.Count - 1 - chain.DueDeposits.Count} blocks, {chain.DueDeposits.Count} states with deposits due ({sw.Elapsed.TotalSeconds:F1} s)");
        var mutator = new Mutator(chain, rng);
        var verifier = new BlsSignatureVerifier();
        var summary = new Summary();
        Directory.CreateDirectory(o.OutDir);

        using var lodestar = new LodestarRunner(o.RunnerScript, o.NodeModules, o.Node);
        var queue = new BlockingCollection<Pending>(boundedCapacity: 64);
        Exception? readerError = null;
        var preRoots = new Bytes32?[chain.Slots.Count];
        var reader = new Thread(() =>
        {
            try
            {
                foreach (var p in queue.GetConsumingEnumerable())
                {
                    var theirs = lodestar.Receive();
                    if (p.Case is null)
                    {
                        // a pre-state registration: both sides must hash it alike, or nothing after means anything
                        if (theirs.Root != p.PreRoot)
                            throw new InvalidOperationException($"pre-state {p.Index}: Lodestar's root {theirs.Root} differs from Cirrus's {p.PreRoot} ({theirs.Message})");
                        continue;
                    }
                    Compare(o, chain, summary, p, theirs);
                }
            }
            catch (Exception e)
            {
                readerError = e;
                queue.CompleteAdding();
            }
        }) { IsBackground = true };
        reader.Start();

        using var watchdog = new Watchdog(o, chain, log);
        var clock = Stopwatch.StartNew();
        var lastReport = Stopwatch.StartNew();
        for (int i = 0; i < o.Cases && readerError is null; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Case k;
            try { k = o.Operations > 0 && rng.NextDouble() < o.Operations ? mutator.NextOperation() : mutator.Next(); }
            catch (Exception e)
            {
                // a bug of the mutator, not of either client: counted and shown, the run goes on
                summary.HarnessErrors++;
                if (summary.HarnessErrors <= 3) log("  harness error making a case: " + e);
                continue;
            }
            summary.GenerateSeconds += Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (preRoots[k.PreIndex] is null)
            {
                var pre = chain.Slots[k.PreIndex].State;
                preRoots[k.PreIndex] = pre.HashTreeRoot();
                lodestar.SendState((uint)k.PreIndex, c.Schema.Serialize(pre.State));
                lodestar.Flush();
                if (!queue.TryAdd(new Pending(k.PreIndex, null, default, preRoots[k.PreIndex]!.Value), Timeout.Infinite)) break;
            }
            t0 = Stopwatch.GetTimestamp();
            watchdog.Start(i, k);
            var ours = k.Operation is { } kind
                ? RunCirrusOperation(c, chain.Slots[k.PreIndex].State, kind, k.Block, verifier)
                : RunCirrus(c, chain.Slots[k.PreIndex].State, k.Block, verifier);
            watchdog.Stop();
            summary.CirrusSeconds += Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (k.Operation is { } op) lodestar.SendOperation((uint)k.PreIndex, op, k.Block);
            else lodestar.SendBlock((uint)k.PreIndex, k.Block);
            lodestar.Flush();
            try { queue.Add(new Pending(i, k, ours, default)); }
            catch (InvalidOperationException) { break; }
            if (lastReport.Elapsed.TotalSeconds >= 30)
            {
                lastReport.Restart();
                lock (summary) log($"  {summary.Cases} cases, {summary.Mismatches} mismatches ({summary.Unexplained} unexplained), {summary.Cases / clock.Elapsed.TotalSeconds:F1} cases/s");
            }
        }
        lodestar.Flush();
        queue.CompleteAdding();
        reader.Join();
        if (readerError is not null) throw new InvalidOperationException("differential run stopped: " + readerError.Message, readerError);
        summary.Seconds = clock.Elapsed.TotalSeconds;
        return summary;
    }

    /// <summary>Cirrus's verdict: state_transition with signatures verified and the state root checked.</summary>
    public static Outcome RunCirrus(ChainConfig c, CachedBeaconState pre, byte[] bytes, ISignatureVerifier verifier)
    {
        SignedBeaconBlock block;
        try { block = c.Schema.Deserialize<SignedBeaconBlock>(bytes); }
        catch (SszException e) { return new Outcome(Verdict.DecodeError, default, e.Message); }
        var cs = pre.Copy();
        try
        {
            StateTransition.Apply(cs, block, verifier);
            return new Outcome(Verdict.Accept, cs.HashTreeRoot(), "", RootWithoutInfinityKeys(c, pre.State, cs.State));
        }
        catch (StateTransitionException e) when (e.Error == TransitionError.StateRootMismatch)
        {
            return new Outcome(Verdict.StateRootMismatch, cs.HashTreeRoot(), e.Message, RootWithoutInfinityKeys(c, pre.State, cs.State));
        }
        catch (StateTransitionException e)
        {
            return new Outcome(Verdict.Reject, default, $"{e.Error}: {e.Message}");
        }
        catch (Exception e)
        {
            // not the documented exception type: a finding whatever Lodestar says
            return new Outcome(Verdict.Reject, default, "UNEXPECTED " + e);
        }
    }

    /// <summary>Cirrus's verdict on one operation alone (process_attestation etc. on the state as it is), signatures verified.</summary>
    public static Outcome RunCirrusOperation(ChainConfig c, CachedBeaconState pre, OperationKind kind, byte[] bytes, ISignatureVerifier verifier)
    {
        var cs = pre.Copy();
        try
        {
            var sigs = new SignatureCollector(verifier);
            switch (kind)
            {
                case OperationKind.Attestation: BlockProcessing.ProcessAttestation(cs, c.Schema.Deserialize<Attestation>(bytes), sigs); break;
                case OperationKind.ProposerSlashing: BlockProcessing.ProcessProposerSlashing(cs, c.Schema.Deserialize<ProposerSlashing>(bytes), sigs); break;
                case OperationKind.AttesterSlashing: BlockProcessing.ProcessAttesterSlashing(cs, c.Schema.Deserialize<AttesterSlashing>(bytes), sigs); break;
                case OperationKind.VoluntaryExit: BlockProcessing.ProcessVoluntaryExit(cs, c.Schema.Deserialize<SignedVoluntaryExit>(bytes), sigs); break;
                default: BlockProcessing.ProcessDeposit(cs, c.Schema.Deserialize<Deposit>(bytes), verifier, verifySignatures: true); break;
            }
            sigs.VerifyAndClear(cs.State.Validators);
            return new Outcome(Verdict.Accept, cs.HashTreeRoot(), "", RootWithoutInfinityKeys(c, pre.State, cs.State));
        }
        catch (SszException e) { return new Outcome(Verdict.DecodeError, default, e.Message); }
        catch (StateTransitionException e) { return new Outcome(Verdict.Reject, default, $"{e.Error}: {e.Message}"); }
        catch (Exception e) { return new Outcome(Verdict.Reject, default, "UNEXPECTED " + e); }
    }

    private static Bytes32? RootWithoutInfinityKeys(ChainConfig c, BeaconState pre, BeaconState post)
    {
        bool any = false;
        for (int i = pre.Validators.Count; i < post.Validators.Count; i++) any |= Explanations.IsInfinity(post.Validators[i].Pubkey);
        if (!any) return null;
        var copy = CachedBeaconState.CopyState(c, post);
        for (int i = copy.Validators.Count - 1; i >= pre.Validators.Count; i--)
            if (Explanations.IsInfinity(copy.Validators[i].Pubkey))
            {
                copy.Validators.RemoveAt(i);
                copy.Balances.RemoveAt(i);
            }
        return c.Schema.HashTreeRoot(copy);
    }

    private static void Compare(Options o, BaseChain chain, Summary s, Pending p, Outcome theirs)
    {
        var ours = p.Cirrus;
        var k = p.Case!;
        bool unexpected = ours.Message.StartsWith("UNEXPECTED ", StringComparison.Ordinal);
        bool agree = !unexpected && (ours.Verdict, theirs.Verdict) switch
        {
            (Verdict.Accept, Verdict.Accept) or (Verdict.StateRootMismatch, Verdict.StateRootMismatch) => ours.Root == theirs.Root,
            (Verdict.Reject, Verdict.Reject) or (Verdict.DecodeError, Verdict.DecodeError) => true,
            _ => false,
        };
        lock (s)
        {
            s.Cases++;
            if (k.Operation is not null) s.Operations++;
            if (ours.Verdict == Verdict.Accept) s.CirrusAccepts++; else s.CirrusRejects++;
            if (theirs.Verdict == Verdict.Accept) s.LodestarAccepts++; else s.LodestarRejects++;
            if (ours.Verdict == Verdict.DecodeError) s.CirrusDecodeErrors++;
            if (theirs.Verdict == Verdict.DecodeError) s.LodestarDecodeErrors++;
            if (unexpected) s.CirrusUnexpectedExceptions++;
            string reason = ours.Verdict switch
            {
                Verdict.Reject => ours.Message.Split(':')[0],
                Verdict.DecodeError => "SSZ decoding",
                _ => ours.Verdict.ToString(),
            };
            s.CirrusVerdicts[reason] = s.CirrusVerdicts.GetValueOrDefault(reason) + 1;
            if (agree) return;
            s.Mismatches++;
            string? why = unexpected ? null : Explanations.Explain(chain, k, ours, theirs);
            if (why != null)
            {
                s.Explained++;
                s.ExplainedBy[why] = s.ExplainedBy.GetValueOrDefault(why) + 1;
            }
            else
            {
                s.Unexplained++;
                if (s.UnexplainedSamples.Count < 20) s.UnexplainedSamples.Add($"case {p.Index}: {k.Description} | cirrus {ours.Verdict} {Short(ours.Message)} | lodestar {theirs.Verdict} {Short(theirs.Message)}");
            }
            // every unexplained one is kept; explained ones only as samples
            if (why is null ? s.Unexplained <= o.MaxSaved : s.Explained <= 100) Save(o, chain, p, theirs, why);
        }
    }

    private static string Short(string m) => m.Length > 200 ? m[..200] : m;

    private static void Save(Options o, BaseChain chain, Pending p, Outcome theirs, string? why)
    {
        var k = p.Case!;
        string dir = Path.Combine(o.OutDir, $"{(why is null ? "unexplained" : "explained")}-{p.Index:D7}");
        Directory.CreateDirectory(dir);
        var pre = chain.Slots[k.PreIndex].State;
        File.WriteAllBytes(Path.Combine(dir, "pre.ssz"), chain.Config.Schema.Serialize(pre.State));
        File.WriteAllBytes(Path.Combine(dir, k.Operation is { } op ? $"{op}.ssz" : "block.ssz"), k.Block);
        File.WriteAllText(Path.Combine(dir, "info.txt"),
            $"""
            case {p.Index} (seed {o.Seed}), pre-state: base chain slot {pre.State.Slot}
            made by: {k.Description}
            cirrus:   {p.Cirrus.Verdict} {p.Cirrus.Root} {p.Cirrus.Message}
            lodestar: {theirs.Verdict} {theirs.Root} {theirs.Message}
            explanation: {why ?? "none (a finding)"}

            """);
    }
}

/// <summary>Saves a case Cirrus takes more than 20 s over (a hang is a finding too) and says so.</summary>
internal sealed class Watchdog : IDisposable
{
    private readonly Timer _timer;
    private int _index = -1;
    private Case? _case;
    private long _started;
    private bool _reported;

    public Watchdog(Options o, BaseChain chain, Action<string> log)
    {
        _timer = new Timer(_ =>
        {
            int i;
            Case? k;
            lock (this)
            {
                if (_case is null || _reported || Stopwatch.GetElapsedTime(_started).TotalSeconds < 20) return;
                _reported = true;
                i = _index;
                k = _case;
            }
            string dir = Path.Combine(o.OutDir, $"hang-{i:D7}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "pre.ssz"), chain.Config.Schema.Serialize(chain.Slots[k.PreIndex].State.State));
            File.WriteAllBytes(Path.Combine(dir, "block.ssz"), k.Block);
            File.WriteAllText(Path.Combine(dir, "info.txt"), $"case {i} (seed {o.Seed}): Cirrus has run it for 20 s\nmade by: {k.Description}\n");
            log($"  case {i}: Cirrus has run it for 20 s (saved to {dir}): {k.Description}");
        }, null, 1000, 1000);
    }

    public void Start(int index, Case k)
    {
        lock (this) { _index = index; _case = k; _started = Stopwatch.GetTimestamp(); _reported = false; }
    }

    public void Stop()
    {
        lock (this) _case = null;
    }

    public void Dispose() => _timer.Dispose();
}
