using System.CommandLine;
using Cirrus.Consensus.Transition;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus ncli slots`: advances a state through empty slots (spec: process_slots).</summary>
public sealed class NcliSlots : ICliCommand
{
    public string? Group => "ncli";
    public string Name => "slots";
    public string Summary => "advance a BeaconState by N empty slots (process_slots) and write the post-state";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("preset", "PRESET", "mainnet, minimal or a CONFIG.yaml (required)"),
        Opt.Value("pre", "FILE", "the SSZ BeaconState to start from (required)"),
        Opt.Value("slots", "N", "how many slots to advance (required)"),
        Opt.Value("post", "FILE", "where to write the post-state (required)"),
        Opt.Flag("force", $"allow more than {NcliTransitionSupport.MaxSlotsWithoutForce} slots"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
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
        CliFiles.WriteFileAtomic(postPath, config.Schema.Serialize(cs.State));
        return 0;
    }
}
