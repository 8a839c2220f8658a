using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Reflection;

namespace Cirrus.Cli;

/// <summary>
/// The `cirrus` binary. System.CommandLine parses the command line (help, response files, the [suggest] directive for
/// shell completion); its parse errors are turned into our one-line `error: ...` with exit code 2, and the command runs
/// with its options merged from the command line, CIRRUS_* environment variables and --config FILE, in that order.
/// </summary>
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

    /// <summary>The long-running commands: these read CIRRUS_* environment variables and --config FILE.</summary>
    public static readonly IReadOnlySet<string> ServiceCommands = new HashSet<string>(StringComparer.Ordinal) { "beacon-node", "validator-client", "devnet" };

    /// <summary>What a group word does, for help (a word that is also a command shows that command's summary).</summary>
    private static readonly Dictionary<string, string> GroupSummaries = new(StringComparer.Ordinal)
    {
        ["ncli"] = "state tools on SSZ files: hash-tree-root, pretty, transition, slots, interop-genesis",
        ["deposits"] = "validator keys and deposits: new-mnemonic, create, send",
        ["validator-client slashing-protection"] = "export or import the slashing-protection history (EIP-3076 interchange files)",
    };

    private const int HelpWidth = 120;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr) => Run(args, stdout, stderr, Environment.GetEnvironmentVariable);

    /// <summary>Runs the command line <paramref name="args"/>; <paramref name="getenv"/> supplies the CIRRUS_* variables.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr, Func<string, string?> getenv)
    {
        var cli = new Cli();
        if (args.Count == 0) return cli.ShowHelp([], stdout, stderr) == 0 ? 2 : 1;
        if (args[0] == "help") args = ["--help"];
        else if (args[0] == "version") args = ["--version"];
        try
        {
            var parsed = cli.Root.Parse(args);
            if (parsed.Action is not null and not ParseErrorAction and not CommandMarker)
                return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
            if (!cli.Commands.TryGetValue(parsed.CommandResult.Command, out var cmd))
            {
                // a group without its subcommand (`cirrus deposits`) shows the group's help
                if (parsed.UnmatchedTokens.Count == 0 && parsed.CommandResult.Command != cli.Root)
                    return cli.ShowHelp(args, stdout, stderr) == 0 ? 2 : 1;
                throw new CliException(cli.Describe(parsed), 2);
            }
            var a = cli.Arguments(parsed, cmd, args, getenv);
            return cmd.Run(a, stdout, stderr);
        }
        catch (CliException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return e.ExitCode;
        }
    }

    /// <summary>Parses <paramref name="args"/> (a whole command line) into a command's options without running it.</summary>
    internal static CommandArgs Parse(IReadOnlyList<string> args, Func<string, string?>? getenv = null)
    {
        var cli = new Cli();
        var parsed = cli.Root.Parse(args);
        if (!cli.Commands.TryGetValue(parsed.CommandResult.Command, out var cmd)) throw new CliException(cli.Describe(parsed), 2);
        return cli.Arguments(parsed, cmd, args, getenv ?? (_ => null));
    }

    /// <summary>One System.CommandLine tree of every command, with its help layout.</summary>
    private sealed class Cli
    {
        public RootCommand Root { get; }
        public Dictionary<Command, ICliCommand> Commands { get; } = [];

        public Cli()
        {
            Root = new RootCommand($"cirrus {Version} - Ethereum 2 beacon-chain client (phase0, consensus spec v0.12.3)") { HelpName = "cirrus" };
            var byPath = new Dictionary<string, Command>(StringComparer.Ordinal);
            Command Node(string path)
            {
                if (byPath.TryGetValue(path, out var c)) return c;
                int space = path.LastIndexOf(' ');
                var parent = space < 0 ? Root : Node(path[..space]);
                c = new Command(path[(space + 1)..], GroupSummaries.GetValueOrDefault(path));
                parent.Subcommands.Add(c);
                return byPath[path] = c;
            }
            foreach (var cmd in Program.Commands)
            {
                var c = Node(cmd.Group is null ? cmd.Name : cmd.Group + " " + cmd.Name);
                c.Description = cmd.Summary;
                foreach (var s in cmd.Symbols)
                {
                    if (s is Option o) c.Options.Add(o);
                    else if (s is Argument arg) c.Arguments.Add(arg);
                }
                c.Action = new CommandMarker(); // a command that also heads a group runs without a subcommand
                Commands[c] = cmd;
            }
            foreach (var o in Root.Options)
            {
                if (o is VersionOption v)
                {
                    v.Aliases.Add("-V");
                    v.Action = new PrintVersion();
                }
                else if (o is HelpOption { Action: HelpAction h })
                {
                    h.MaxWidth = HelpWidth;
                    o.Action = new HelpWithFooter(h, this);
                }
            }
        }

        /// <summary>The help of the command that <paramref name="words"/> name (the root's for none).</summary>
        public int ShowHelp(IEnumerable<string> words, TextWriter stdout, TextWriter stderr) =>
            Root.Parse([.. words.TakeWhile(w => !w.StartsWith('-')), "--help"])
                .Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });

        /// <summary>System.CommandLine's help, then what it cannot know: the command groups, response files, the environment.</summary>
        private sealed class HelpWithFooter(HelpAction help, Cli cli) : SynchronousCommandLineAction
        {
            public override bool ClearsParseErrors => true;

            public override int Invoke(ParseResult parseResult)
            {
                int code = help.Invoke(parseResult);
                var o = parseResult.InvocationConfiguration.Output;
                if (cli.Footer(parseResult.CommandResult.Command, o)) o.WriteLine();
                return code;
            }
        }

        private bool Footer(Command command, TextWriter o)
        {
            if (command == Root)
            {
                o.WriteLine("Command groups:");
                foreach (var (path, words) in Program.Commands.Where(c => c.Group is not null).GroupBy(c => c.Group!)
                             .Select(g => (g.Key, string.Join("|", g.Select(c => c.Name)))))
                    o.WriteLine($"  {path} {words}");
                o.WriteLine();
                o.WriteLine("`cirrus COMMAND --help` shows a command's options. `cirrus @FILE` reads arguments from a response file (one or more");
                o.WriteLine("per line). `cirrus completion bash|zsh` prints a shell completion script.");
                return true;
            }
            if (Commands.TryGetValue(command, out var cmd) && cmd.Group is null && ServiceCommands.Contains(cmd.Name))
            {
                o.WriteLine("Every option can also be set in the environment as CIRRUS_<NAME> (CIRRUS_DATA_DIR for --data-dir; a flag takes");
                o.WriteLine("true or false) or in the --config file. The command line wins over the environment, the environment over the file.");
                return true;
            }
            return false;
        }

        /// <summary>The command's options from the command line, and for the service commands the environment and config file.</summary>
        public CommandArgs Arguments(ParseResult parsed, ICliCommand cmd, IReadOnlyList<string> args, Func<string, string?> getenv)
        {
            var result = parsed.CommandResult;
            CheckErrors(parsed, result, null);
            // an option of a parent command given before a subcommand (`validator-client --graffiti x import`) would be dropped
            for (var p = result.Parent as CommandResult; p is not null && p.Command != Root; p = p.Parent as CommandResult)
                if (p.Children.OfType<OptionResult>().FirstOrDefault(o => !o.Implicit) is { } stray)
                    throw new CliException($"option {stray.Option.Name} belongs to 'cirrus {PathOf(p)}', not to 'cirrus {PathOf(result)}'", 2);
            var sources = new List<CommandArgs.Source> { CommandArgs.Source.From(result) };
            if (cmd.Group is null && ServiceCommands.Contains(cmd.Name))
            {
                var options = result.Command.Options;
                var env = CommandArgs.FromEnvironment(options, getenv);
                sources.Add(env);
                string? configPath = sources[0].Values.TryGetValue("config", out var c) ? c[^1] : env.Values.TryGetValue("config", out var ce) ? ce[^1] : null;
                if (configPath is not null)
                {
                    var tokens = ConfigFile.Tokens(configPath);
                    var fileParsed = Root.Parse([.. PathOf(result).Split(' '), .. tokens]);
                    if (!Commands.TryGetValue(fileParsed.CommandResult.Command, out var same) || same != cmd)
                        throw new CliException($"--config {configPath}: {Describe(fileParsed)}", 2);
                    CheckErrors(fileParsed, fileParsed.CommandResult, configPath);
                    sources.Add(CommandArgs.Source.From(fileParsed.CommandResult));
                }
            }
            var positionals = result.Children.OfType<ArgumentResult>().SelectMany(r => r.Tokens.Select(t => t.Value)).ToList();
            // a command that takes files gets unknown options as arguments: before any `--`, they are misspelt options
            var head = parsed.Tokens.TakeWhile(t => t.Type != TokenType.DoubleDash).Where(t => t.Type == TokenType.Argument).Select(t => t.Value).ToHashSet();
            if (positionals.FirstOrDefault(p => p.Length > 1 && p[0] == '-' && head.Contains(p)) is { } unknown)
                throw new CliException($"unknown option {unknown.Split('=')[0]}", 2);
            return new CommandArgs(sources, positionals);

            void CheckErrors(ParseResult pr, CommandResult r, string? config)
            {
                string prefix = config is null ? "" : $"--config {config}: ";
                if (config is null)
                {
                    // --flag=VALUE: System.CommandLine splits it and leaves VALUE unmatched; say what is wrong
                    foreach (string arg in args)
                    {
                        if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.IndexOf('=') is not (> 2 and var eq)) continue;
                        if (r.Command.Options.FirstOrDefault(o => o.Name == arg[..eq]) is { Arity.MaximumNumberOfValues: 0 })
                            throw new CliException($"option {arg[..eq]} takes no value", 2);
                    }
                }
                if (pr.Errors.Count > 0) throw new CliException(prefix + Describe(pr), 2);
            }
        }

        /// <summary>The first parse error as one line, in the words the hand-written parser used.</summary>
        public string Describe(ParseResult parsed)
        {
            var result = parsed.CommandResult;
            if (parsed.UnmatchedTokens.Count > 0)
            {
                string t = parsed.UnmatchedTokens[0];
                if (t.Length > 1 && t[0] == '-') return $"unknown option {t.Split('=')[0]}";
                if (!Commands.ContainsKey(result.Command))
                    return $"unknown command '{(result.Command == Root ? "" : PathOf(result) + " ")}{t}' (see cirrus --help)";
                return $"unexpected argument '{t}'";
            }
            if (parsed.Errors.Count == 0) return "invalid command line";
            var e = parsed.Errors[0];
            if (e.SymbolResult is OptionResult { Tokens.Count: 0 } o && o.Option.Arity.MinimumNumberOfValues > 0)
                return $"option {o.Option.Name} needs a value";
            return e.Message.TrimEnd('.');
        }

        private string PathOf(CommandResult r)
        {
            var words = new List<string>();
            for (SymbolResult? p = r; p is CommandResult c && c.Command != Root; p = p.Parent) words.Insert(0, c.Command.Name);
            return string.Join(' ', words);
        }
    }

    /// <summary>Marks our commands' parse results: Run dispatches them itself, with the merged options.</summary>
    private sealed class CommandMarker : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult) => throw new InvalidOperationException("dispatched by Program.Run");
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine($"cirrus {Version} (phase0, consensus spec v0.12.3)");
            return 0;
        }
    }
}
