using Cirrus.Consensus.Transition;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus ncli slots`: advances a state through empty slots (spec: process_slots).</summary>
public sealed class NcliSlots : ICliCommand
{
    public string? Group => "ncli";
    public string Name => "slots";
    public string Summary => "advance a BeaconState by N empty slots (process_slots) and write the post-state";
    public string Usage => $"--preset PRESET --pre PRE.ssz --slots N --post OUT.ssz [--force] (N above {NcliTransitionSupport.MaxSlotsWithoutForce} needs --force)";

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ["preset", "pre", "post", "slots"], ["force"]);
        if (a.Positionals.Count != 0) throw new CliException($"unexpected argument '{a.Positionals[0]}'", 2);
        var config = NcliTransitionSupport.Preset(a.Required("preset"));
        ulong slots = a.ULong("slots");
        string postPath = a.Required("post");
        var cs = new CachedBeaconState(config, NcliTransitionSupport.ReadState(config, a.Required("pre")));
        if (slots > 0)
        {
            ulong target = cs.State.Slot + slots;
            if (target < cs.State.Slot) throw new CliException("--slots overflows the slot number", 2);
            NcliTransitionSupport.CheckDistance(cs.State.Slot, target, a.Flag("force"), "--slots");
            try
            {
                StateTransition.ProcessSlots(cs, target);
            }
            catch (StateTransitionException e)
            {
                throw new CliException($"cannot process slots: {e.Message}");
            }
        }
        CliArgs.WriteFileAtomic(postPath, config.Schema.Serialize(cs.State));
        return 0;
    }
}
