using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Cirrus.Cli;

/// <summary>
/// A command's options after System.CommandLine parsed them, read by name. The long-running commands have three
/// sources, consulted in order: the command line, CIRRUS_* environment variables, the --config file; the first source
/// that sets an option decides it (a repeatable option's values all come from that one source).
/// </summary>
public sealed class CommandArgs
{
    /// <summary>One source of option values.</summary>
    internal sealed class Source
    {
        public Dictionary<string, List<string>> Values { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Flags { get; } = new(StringComparer.Ordinal);
        public HashSet<string> ClearedFlags { get; } = new(StringComparer.Ordinal);

        /// <summary>The options System.CommandLine matched for <paramref name="command"/>.</summary>
        public static Source From(CommandResult command)
        {
            var s = new Source();
            foreach (var child in command.Children)
            {
                if (child is not OptionResult { Implicit: false } o) continue;
                string name = o.Option.Name.TrimStart('-');
                if (o.Option.Arity.MaximumNumberOfValues == 0) s.Flags.Add(name);
                else
                {
                    if (!s.Values.TryGetValue(name, out var list)) s.Values[name] = list = [];
                    list.AddRange(o.Tokens.Select(t => t.Value));
                }
            }
            return s;
        }
    }

    private readonly List<Source> _sources;

    public IReadOnlyList<string> Positionals { get; }

    internal CommandArgs(List<Source> sources, IReadOnlyList<string> positionals)
    {
        _sources = sources;
        Positionals = positionals;
    }

    public bool Flag(string name)
    {
        foreach (var s in _sources)
        {
            if (s.Flags.Contains(name)) return true;
            if (s.ClearedFlags.Contains(name)) return false;
        }
        return false;
    }

    public string? Option(string name) => Options(name) is { Count: > 0 } l ? l[^1] : null;

    /// <summary>Every value given for a repeatable option, in order.</summary>
    public IReadOnlyList<string> Options(string name)
    {
        foreach (var s in _sources)
            if (s.Values.TryGetValue(name, out var l)) return l;
        return [];
    }

    public string Required(string name) => Option(name) ?? throw new CliException($"missing required option --{name}", 2);

    public ulong ULong(string name, ulong? defaultValue = null)
    {
        string? v = Option(name);
        if (v is null) return defaultValue ?? throw new CliException($"missing required option --{name}", 2);
        return ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out ulong r)
            ? r : throw new CliException($"option --{name}: '{v}' is not a non-negative integer", 2);
    }

    /// <summary>CIRRUS_DATA_DIR for --data-dir.</summary>
    public static string EnvironmentName(string option) => "CIRRUS_" + option.ToUpperInvariant().Replace('-', '_');

    /// <summary>The environment variables of <paramref name="options"/> that are set: a value (a list for a repeatable option), or a flag's true/false.</summary>
    internal static Source FromEnvironment(IEnumerable<Option> options, Func<string, string?> getenv)
    {
        var s = new Source();
        foreach (var o in options)
        {
            string name = o.Name.TrimStart('-');
            string var = EnvironmentName(name);
            if (getenv(var) is not { } value) continue;
            if (o.Arity.MaximumNumberOfValues == 0)
            {
                switch (value.Trim().ToLowerInvariant())
                {
                    case "1" or "true" or "yes": s.Flags.Add(name); break;
                    case "" or "0" or "false" or "no": s.ClearedFlags.Add(name); break;
                    default: throw new CliException($"{var}: '{value}' is not true or false (it sets the flag --{name})", 2);
                }
            }
            else if (o is Opt.Repeatable)
                s.Values[name] = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            else s.Values[name] = [value];
        }
        return s;
    }
}
