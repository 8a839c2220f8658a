using System.CommandLine;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus ncli transition`: applies blocks to a state (spec: state_transition), like Nimbus' ncli.</summary>
public sealed class NcliTransition : ICliCommand
{
    public string? Group => "ncli";
    public string Name => "transition";
    public string Summary =>
        "apply SignedBeaconBlocks to a BeaconState (state_transition; signatures checked in one BLS batch per block, "
        + "--no-verify skips them; state roots always checked) and write the post-state";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("preset", "PRESET", "mainnet, minimal or a CONFIG.yaml (required)"),
        Opt.Value("pre", "FILE", "the SSZ BeaconState to start from (required)"),
        Opt.Value("post", "FILE", "where to write the post-state (required)"),
        Opt.Flag("no-verify", "do not check the blocks' signatures (state roots are always checked)"),
        Opt.Flag("force", $"allow a block more than {NcliTransitionSupport.MaxSlotsWithoutForce} slots past its pre-state"),
        Opt.Files("BLOCK", "SSZ SignedBeaconBlock files, applied in order (at least one)"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positionals.Count == 0) throw new CliException("expected at least one BLOCK file", 2);
        var config = NcliTransitionSupport.Preset(a.Required("preset"));
        string postPath = a.Required("post");
        var cs = new CachedBeaconState(config, NcliTransitionSupport.ReadState(config, a.Required("pre")));
        ISignatureVerifier? verifier = a.Flag("no-verify") ? null : NcliTransitionSupport.Verifier();
        for (int i = 0; i < a.Positionals.Count; i++)
        {
            string path = a.Positionals[i];
            var block = NcliTransitionSupport.Read<SignedBeaconBlock>(config, path, "SignedBeaconBlock");
            if (block.Message.Slot > cs.State.Slot)
                NcliTransitionSupport.CheckDistance(cs.State.Slot, block.Message.Slot, a.Flag("force"), $"block {i + 1} ({path}, slot {block.Message.Slot})");
            try
            {
                StateTransition.Apply(cs, block, verifier, validateResult: true);
            }
            catch (StateTransitionException e)
            {
                throw new CliException($"block {i + 1} ({path}, slot {block.Message.Slot}) is invalid: {e.Message}");
            }
        }
        CliFiles.WriteFileAtomic(postPath, config.Schema.Serialize(cs.State));
        return 0;
    }
}

/// <summary>Shared by the ncli state-transition tools.</summary>
internal static class NcliTransitionSupport
{
    /// <summary>
    /// Empty slots the tools advance a state through without --force: 2^20, about 73 days of
    /// mainnet slots. Each epoch on the way costs an epoch transition, so more runs for many
    /// minutes, and a 64-bit slot count for ever.
    /// </summary>
    public const ulong MaxSlotsWithoutForce = 1UL << 20;

    /// <summary>Refuses to advance from <paramref name="from"/> to <paramref name="to"/> when that is absurdly far, unless forced.</summary>
    public static void CheckDistance(ulong from, ulong to, bool force, string what)
    {
        if (force || to - from <= MaxSlotsWithoutForce) return;
        throw new CliException($"{what} would advance the state {to - from} slots (from slot {from} to {to}), more than {MaxSlotsWithoutForce}: add --force to run it anyway", 2);
    }

    /// <summary>A built-in preset/network name, or a path to a config.yaml.</summary>
    public static ChainConfig Preset(string name)
    {
        var builtin = Networks.Preset(name);
        if (builtin != null) return builtin;
        if (File.Exists(name))
        {
            byte[] yaml = CliFiles.ReadFile(name, Cirrus.Validator.BoundedFile.MaxTextBytes, "a config file");
            try { return ChainConfig.FromYaml(System.Text.Encoding.UTF8.GetString(yaml)); }
            catch (ConfigException e) { throw new CliException($"{name}: {e.Message}", 2); }
            catch (IOException e) { throw new CliException($"cannot read {name}: {e.Message}", 2); }
        }
        throw new CliException($"unknown preset '{name}' (known: {string.Join(", ", Networks.BuiltinNames)}, or a config.yaml path)", 2);
    }

    public static T Read<T>(ChainConfig config, string path, string typeName)
    {
        byte[] bytes = CliFiles.ReadSszFile(path, config.Schema.Get<T>(), "an SSZ " + typeName);
        try { return config.Schema.Deserialize<T>(bytes); }
        catch (SszException e) { throw new CliException($"{path} is not a valid SSZ {typeName}: {e.Message}"); }
    }

    public static BeaconState ReadState(ChainConfig config, string path) => Read<BeaconState>(config, path, "BeaconState");

    public static ISignatureVerifier Verifier() => new BlsSignatureVerifier();
}
