namespace Cirrus.Cli;

/// <summary>A user error on the command line or in its inputs: printed as one line, exit code 1.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// Minimal GNU-style parsing: --name value, --name=value, --flag, and positionals.
/// Every option a command reads must be declared, so a misspelt flag is an error, not ignored.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Positionals { get; }

    public CliArgs(IReadOnlyList<string> args, IEnumerable<string> valueOptions, IEnumerable<string> flagOptions)
    {
        var values = new HashSet<string>(valueOptions, StringComparer.Ordinal);
        var flags = new HashSet<string>(flagOptions, StringComparer.Ordinal);
        var positionals = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                for (i++; i < args.Count; i++) positionals.Add(args[i]);
                break;
            }
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2)
            {
                positionals.Add(a);
                continue;
            }
            string name = a[2..];
            string? inline = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { inline = name[(eq + 1)..]; name = name[..eq]; }
            if (flags.Contains(name))
            {
                if (inline != null) throw new CliException($"option --{name} takes no value", 2);
                _flags.Add(name);
            }
            else if (values.Contains(name))
            {
                string v = inline ?? (i + 1 < args.Count ? args[++i] : throw new CliException($"option --{name} needs a value", 2));
                if (!_options.TryGetValue(name, out var list)) _options[name] = list = [];
                list.Add(v);
            }
            else throw new CliException($"unknown option --{name}", 2);
        }
        Positionals = positionals;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Option(string name) => _options.TryGetValue(name, out var l) ? l[^1] : null;

    /// <summary>Every value given for a repeatable option, in order.</summary>
    public IReadOnlyList<string> Options(string name) => _options.TryGetValue(name, out var l) ? l : [];

    public string Required(string name) => Option(name) ?? throw new CliException($"missing required option --{name}", 2);

    public ulong ULong(string name, ulong? defaultValue = null)
    {
        string? v = Option(name);
        if (v is null) return defaultValue ?? throw new CliException($"missing required option --{name}", 2);
        return ulong.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong r)
            ? r : throw new CliException($"option --{name}: '{v}' is not a non-negative integer", 2);
    }

    /// <summary>
    /// Reads a whole input file of at most <paramref name="maxBytes"/> (what <paramref name="what"/>, e.g. "a keystore",
    /// can be), turning I/O failures and oversized inputs into one-line errors.
    /// </summary>
    public static byte[] ReadFile(string path, long maxBytes, string what)
    {
        try { return Cirrus.Validator.BoundedFile.ReadAllBytes(path, maxBytes, what); }
        catch (FileNotFoundException) { throw new CliException($"file not found: {path}"); }
        catch (DirectoryNotFoundException) { throw new CliException($"file not found: {path}"); }
        catch (UnauthorizedAccessException) { throw new CliException($"permission denied: {path}"); }
        catch (IOException e) { throw new CliException($"cannot read {path}: {e.Message}"); }
    }

    /// <summary>An SSZ file of type <paramref name="type"/>: bounded by the type's largest encoding (a state by a practical cap).</summary>
    public static byte[] ReadSszFile(string path, Cirrus.Ssz.SszType type, string what) =>
        ReadFile(path, (long)Math.Min(type.MaxSize, (ulong)Cirrus.Validator.BoundedFile.MaxStateBytes), what);

    /// <summary>A network directory's file (null when absent): genesis.ssz is a state, the rest small text.</summary>
    public static byte[]? ReadNetworkFile(string path)
    {
        if (!File.Exists(path)) return null;
        bool state = path.EndsWith(".ssz", StringComparison.Ordinal);
        return ReadFile(path, state ? Cirrus.Validator.BoundedFile.MaxStateBytes : Cirrus.Validator.BoundedFile.MaxTextBytes,
            state ? "a genesis state" : "a network config file");
    }

    /// <summary>Writes a file via a temporary sibling and a rename, so a failure leaves no half file.</summary>
    public static void WriteFileAtomic(string path, ReadOnlySpan<byte> data)
    {
        string tmp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            File.WriteAllBytes(tmp, data.ToArray());
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new CliException($"cannot write {path}: {e.Message}");
        }
    }
}

/// <summary>A subcommand: `cirrus NAME ...` or, for ncli tools, `cirrus ncli NAME ...`.</summary>
public interface ICliCommand
{
    /// <summary>"ncli" for the ncli tool group, null for top-level commands.</summary>
    string? Group { get; }
    string Name { get; }
    string Summary { get; }
    string Usage { get; }
    int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr);
}
