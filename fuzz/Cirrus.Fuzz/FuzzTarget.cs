namespace Cirrus.Fuzz;

/// <summary>
/// One fuzz entry point: takes bytes, and either returns (accepted), throws one of its documented
/// rejection types (rejected), or throws anything else (a finding). Invariant checks throw
/// <see cref="InvariantViolation"/>, which is never a documented rejection.
/// </summary>
public abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>What the input is and what is checked, for `cirrus-fuzz list` and the README.</summary>
    public abstract string Description { get; }

    /// <summary>The exception types the component documents for bad input.</summary>
    public abstract IReadOnlyList<Type> Rejections { get; }

    public abstract void Run(ReadOnlySpan<byte> input);

    /// <summary>Seed inputs: (file name, bytes), from the spec vectors, testnet files or built here.</summary>
    public abstract IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources);

    /// <summary>Loads whatever the target needs (pre-states) before the first run, outside the fuzzed loop.</summary>
    public virtual void Prepare(FuzzDirs dirs) { }

    public bool IsRejection(Exception e) => Rejections.Any(t => t.IsInstanceOfType(e));

    /// <summary>Runs one input and classifies it; findings propagate.</summary>
    public Outcome Execute(ReadOnlySpan<byte> input)
    {
        try
        {
            Run(input);
            return Outcome.Accepted;
        }
        catch (Exception e) when (IsRejection(e))
        {
            return Outcome.Rejected;
        }
    }
}

public enum Outcome { Accepted, Rejected }

/// <summary>A broken invariant (e.g. a rejected operation changed the state): always a finding.</summary>
public sealed class InvariantViolation(string message) : Exception(message);

/// <summary>Where seeds come from: the consensus-spec-tests checkout and the shared testnet files.</summary>
public sealed record SeedSources(string SpecTests, string? Testnets);

/// <summary>The fuzz folder of the repository: pre-states live in states/TARGET/.</summary>
public sealed record FuzzDirs(string Root)
{
    public string States(string target) => Path.Combine(Root, "states", target);
    public string Corpus(string target) => Path.Combine(Root, "corpus", target);
    public string Regressions(string target) => Path.Combine(Root, "regressions", target);

    /// <summary>The fuzz/ folder: CIRRUS_FUZZ_DIR, else the first parent of the binary or the working directory holding fuzz/states.</summary>
    public static FuzzDirs Find()
    {
        if (Environment.GetEnvironmentVariable("CIRRUS_FUZZ_DIR") is { Length: > 0 } env) return new FuzzDirs(env);
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
            {
                if (Directory.Exists(Path.Combine(d.FullName, "fuzz", "states"))) return new FuzzDirs(Path.Combine(d.FullName, "fuzz"));
                if (d.Name == "fuzz" && Directory.Exists(Path.Combine(d.FullName, "states"))) return new FuzzDirs(d.FullName);
            }
        }
        throw new DirectoryNotFoundException("cannot find the fuzz/ folder (with states/); set CIRRUS_FUZZ_DIR");
    }
}
