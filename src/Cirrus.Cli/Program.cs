using System.Reflection;

namespace Cirrus.Cli;

public static class Program
{
    public static string Version =>
        typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0";

    /// <summary>Every command in this assembly (each lives in Commands/, one file each).</summary>
    public static IReadOnlyList<ICliCommand> Commands { get; } = typeof(Program).Assembly.GetTypes()
        .Where(t => typeof(ICliCommand).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
        .OrderBy(c => c.Group ?? "").ThenBy(c => c.Name, StringComparer.Ordinal)
        .ToList();

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Count == 0 || args[0] is "--help" or "-h" or "help")
        {
            PrintHelp(stdout, null);
            return args.Count == 0 ? 2 : 0;
        }
        if (args[0] is "--version" or "-V" or "version")
        {
            stdout.WriteLine($"cirrus {Version} (phase0, consensus spec v0.12.3)");
            return 0;
        }
        // A group ("ncli", "deposits", "validator-client slashing-protection", ...) takes a subcommand; the
        // longest group that matches wins. A top-level command may share a one-word group's name
        // (`cirrus validator-client --flags` and `cirrus validator-client import`): the group wins only
        // when the next word is one of its subcommands.
        (string? group, int at) = MatchGroup(args);
        bool alsoTopLevel = Commands.Any(c => c.Group == null && c.Name == args[0]);
        if (group == args[0] && alsoTopLevel && !(args.Count > at && Commands.Any(c => c.Group == group && c.Name == args[at])))
            (group, at) = (null, 0);
        if (group != null && (args.Count == at || args[at] is "--help" or "-h"))
        {
            PrintHelp(stdout, group);
            return args.Count == at ? 2 : 0;
        }
        string name = args[at];
        ICliCommand? cmd = Commands.FirstOrDefault(c => c.Group == group && c.Name == name);
        if (cmd is null)
        {
            stderr.WriteLine($"error: unknown command '{(group is null ? name : group + " " + name)}' (see cirrus --help)");
            return 2;
        }
        var rest = args.Skip(at + 1).ToList();
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            stdout.WriteLine($"usage: cirrus {(group is null ? "" : group + " ")}{cmd.Name} {cmd.Usage}");
            stdout.WriteLine(cmd.Summary);
            return 0;
        }
        try
        {
            if (group is null && ConfigFile.Commands.Contains(cmd.Name)) rest = ConfigFile.Expand(rest);
            return cmd.Run(rest, stdout, stderr);
        }
        catch (CliException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
    }

    /// <summary>The longest command group (one or more leading words, e.g. "ncli") that the arguments start with.</summary>
    private static (string? Group, int Words) MatchGroup(IReadOnlyList<string> args)
    {
        foreach (var g in Groups.OrderByDescending(g => g.Split(' ').Length))
        {
            var words = g.Split(' ');
            if (args.Count >= words.Length && words.SequenceEqual(args.Take(words.Length), StringComparer.Ordinal))
                return (g, words.Length);
        }
        return (null, 0);
    }

    private static IEnumerable<string> Groups => Commands.Select(c => c.Group).OfType<string>().Distinct(StringComparer.Ordinal);

    private static void PrintHelp(TextWriter o, string? group)
    {
        o.WriteLine($"cirrus {Version} - Ethereum 2 beacon-chain client (phase0, spec v0.12.3)");
        o.WriteLine();
        o.WriteLine(group is null ? "usage: cirrus COMMAND [OPTIONS]" : $"usage: cirrus {group} {(group == "ncli" ? "TOOL" : "COMMAND")} [OPTIONS]");
        o.WriteLine();
        o.WriteLine(group is null ? "commands:" : group == "ncli" ? "tools:" : "commands:");
        foreach (var c in Commands.Where(c => c.Group == group))
            o.WriteLine($"  {c.Name,-18} {c.Summary}");
        if (group is null)
        {
            o.WriteLine($"  {"ncli",-18} state tools: {string.Join(", ", Commands.Where(c => c.Group == "ncli").Select(c => c.Name))}");
            foreach (string g in Groups.Where(g => g != "ncli").Order(StringComparer.Ordinal))
                o.WriteLine($"  {g} {string.Join("|", Commands.Where(c => c.Group == g).Select(c => c.Name))}");
            o.WriteLine();
            o.WriteLine("cirrus COMMAND --help shows a command's options; cirrus --version prints the version.");
        }
    }
}
