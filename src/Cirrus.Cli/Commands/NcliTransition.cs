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
    public string Summary => "apply SignedBeaconBlocks to a BeaconState (state_transition) and write the post-state";
    public string Usage => "--preset PRESET --pre PRE.ssz --post OUT.ssz [--no-verify] BLOCK.ssz...";

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ["preset", "pre", "post"], ["no-verify"]);
        if (a.Positionals.Count == 0) throw new CliException("expected at least one BLOCK file", 2);
        var config = NcliTransitionSupport.Preset(a.Required("preset"));
        string postPath = a.Required("post");
        var cs = new CachedBeaconState(config, NcliTransitionSupport.ReadState(config, a.Required("pre")));
        ISignatureVerifier? verifier = a.Flag("no-verify") ? null : NcliTransitionSupport.Verifier();
        for (int i = 0; i < a.Positionals.Count; i++)
        {
            string path = a.Positionals[i];
            var block = NcliTransitionSupport.Read<SignedBeaconBlock>(config, path, "SignedBeaconBlock");
            try
            {
                StateTransition.Apply(cs, block, verifier, validateResult: true);
            }
            catch (StateTransitionException e)
            {
                throw new CliException($"block {i + 1} ({path}, slot {block.Message.Slot}) is invalid: {e.Message}");
            }
        }
        CliArgs.WriteFileAtomic(postPath, config.Schema.Serialize(cs.State));
        return 0;
    }
}

/// <summary>Shared by the ncli state-transition tools.</summary>
internal static class NcliTransitionSupport
{
    /// <summary>A built-in preset/network name, or a path to a config.yaml.</summary>
    public static ChainConfig Preset(string name)
    {
        var builtin = Networks.Preset(name);
        if (builtin != null) return builtin;
        if (File.Exists(name))
        {
            try { return ChainConfig.FromYaml(File.ReadAllText(name)); }
            catch (ConfigException e) { throw new CliException($"{name}: {e.Message}", 2); }
            catch (IOException e) { throw new CliException($"cannot read {name}: {e.Message}", 2); }
        }
        throw new CliException($"unknown preset '{name}' (known: {string.Join(", ", Networks.BuiltinNames)}, or a config.yaml path)", 2);
    }

    public static T Read<T>(ChainConfig config, string path, string typeName)
    {
        byte[] bytes = CliArgs.ReadFile(path);
        try { return config.Schema.Deserialize<T>(bytes); }
        catch (SszException e) { throw new CliException($"{path} is not a valid SSZ {typeName}: {e.Message}"); }
    }

    public static BeaconState ReadState(ChainConfig config, string path) => Read<BeaconState>(config, path, "BeaconState");

    // TODO(bls): the BLS verifier once Cirrus.Crypto's BLS is merged.
    public static ISignatureVerifier Verifier() =>
        throw new CliException("signature verification is not available in this build; pass --no-verify", 2);
}
