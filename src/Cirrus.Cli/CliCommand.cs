using System.CommandLine;

namespace Cirrus.Cli;

/// <summary>A user error on the command line or in its inputs: printed as one line, exit code 1 (2 for a bad command line).</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>A subcommand: `cirrus NAME ...`, or `cirrus GROUP... NAME ...` for the commands of a group (`ncli`, `deposits`, ...).</summary>
public interface ICliCommand
{
    /// <summary>The words before the name ("ncli", "validator-client slashing-protection"), null for top-level commands.</summary>
    string? Group { get; }
    string Name { get; }
    string Summary { get; }

    /// <summary>The command's options (and positional argument, if any) as System.CommandLine symbols, each with its help text.</summary>
    IEnumerable<Symbol> Symbols { get; }

    int Run(CommandArgs a, TextWriter stdout, TextWriter stderr);
}

/// <summary>
/// The three kinds of option the commands use, all GNU style (--name VALUE, --name=VALUE, --flag). Values stay strings:
/// the commands check them and say what is wrong in their own words.
/// </summary>
public static class Opt
{
    /// <summary>--name VALUE; given twice, the last one counts (as it always did).</summary>
    public static Option<string[]> Value(string name, string helpName, string description, params string[] completions) =>
        Configure(new Option<string[]>("--" + name), helpName, description, completions);

    /// <summary>--name VALUE, repeatable: every value counts, in order (from the environment: a comma-separated list).</summary>
    public static Option<string[]> Many(string name, string helpName, string description) =>
        Configure(new Repeatable("--" + name), helpName, description + " (repeatable)", []);

    private static Option<string[]> Configure(Option<string[]> o, string helpName, string description, string[] completions)
    {
        o.HelpName = helpName;
        o.Description = description;
        o.Arity = ArgumentArity.OneOrMore;
        o.AllowMultipleArgumentsPerToken = false; // one value per occurrence: `--x a b` leaves b alone
        if (completions.Length > 0) o.CompletionSources.Add(completions);
        return o;
    }

    /// <summary>Marks the options whose values add up.</summary>
    public sealed class Repeatable(string name) : Option<string[]>(name);

    /// <summary>--name, taking no value.</summary>
    public static Option<bool> Flag(string name, string description) => new("--" + name)
    {
        Description = description,
        Arity = ArgumentArity.Zero,
    };

    /// <summary>Positional file arguments; the command checks how many it got.</summary>
    public static Argument<string[]> Files(string helpName, string description) => new(helpName)
    {
        Description = description,
        Arity = ArgumentArity.ZeroOrMore,
    };

    /// <summary>--network NAME | --network-dir DIR, shared by every command that needs a chain's config.</summary>
    public static IEnumerable<Symbol> Network(string extra = "") =>
    [
        Value("network", "NAME", "built-in network: " + string.Join(", ", Cirrus.Consensus.Config.Networks.BuiltinNames) + extra,
            [.. Cirrus.Consensus.Config.Networks.BuiltinNames]),
        Value("network-dir", "DIR", "a network directory: config.yaml (PRESET_BASE: minimal|mainnet allowed), optionally genesis.ssz and bootstrap_nodes.txt"),
    ];
}
