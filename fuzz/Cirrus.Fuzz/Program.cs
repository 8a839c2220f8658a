using Cirrus.Fuzz.Targets;

namespace Cirrus.Fuzz;

/// <summary>
/// cirrus-fuzz: the fuzz entry points. `run TARGET` is what afl-fuzz starts (SharpFuzz's in-process fork
/// server); `replay` runs saved inputs as a normal program (regressions, crash triage); `seed` writes the
/// corpus and pre-states from the spec vectors and testnet files.
/// </summary>
public static class Program
{
    public static readonly IReadOnlyList<FuzzTarget> Targets =
    [
        new AttestationTarget(), new AttesterSlashingTarget(), new BlockTarget(), new BlockHeaderTarget(), new DepositTarget(),
        new ProposerSlashingTarget(), new ShuffleTarget(), new VoluntaryExitTarget(),
        new SszTarget(), new SnappyTarget(), new MultistreamTarget(), new NoiseTarget(), new MplexTarget(), new YamuxTarget(),
        new GossipRpcTarget(), new IdentifyTarget(), new Discv5Target(), new EnrTarget(),
        new KeystoreTarget(), new InterchangeTarget(), new RestTarget(),
    ];

    private const string Usage = """
        usage: cirrus-fuzz list
               cirrus-fuzz run TARGET                    (under afl-fuzz: make fuzz TARGET=... SECONDS=...)
               cirrus-fuzz replay TARGET FILE|DIR...     (each input once; exit 1 on a finding)
               cirrus-fuzz seed --spec-tests DIR [--testnets DIR] [--out FUZZDIR]
               cirrus-fuzz cmin TARGET IN_DIR OUT_DIR    (instrumented build only: keep the smallest input per edge)
        """;

    public static int Main(string[] args)
    {
        try
        {
            return args switch
            {
                ["list"] => List(),
                ["run", var t] => RunAfl(Find(t)),
                ["replay", var t, .. var paths] when paths.Length > 0 => Replay(Find(t), paths, Console.Out).Findings == 0 ? 0 : 1,
                ["seed", .. var rest] => Seed(rest),
                ["cmin", var t, var input, var output] => Minimise(Find(t), input, output),
                _ => Fail(Usage),
            };
        }
        catch (ArgumentException e)
        {
            return Fail("error: " + e.Message);
        }
        catch (IOException e)
        {
            return Fail("error: " + e.Message);
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    public static FuzzTarget Find(string name) =>
        Targets.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"unknown target '{name}' (known: {string.Join(", ", Targets.Select(t => t.Name))})");

    private static int List()
    {
        foreach (var t in Targets) Console.WriteLine($"{t.Name,-18} {t.Description}");
        return 0;
    }

    private static int RunAfl(FuzzTarget target)
    {
        var dirs = FuzzDirs.Find();
        var buffer = new MemoryStream();
        bool prepared = false;
        SharpFuzz.Fuzzer.Run(stream =>
        {
            // Instrumented code may only run inside the fork server (it writes AFL's trace map), so prepare here.
            if (!prepared)
            {
                target.Prepare(dirs);
                prepared = true;
            }
            buffer.SetLength(0);
            stream.CopyTo(buffer);
            target.Execute(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        });
        return 0;
    }

    public sealed record ReplayResult(int Accepted, int Rejected, int Findings);

    /// <summary>Runs every input file once; a finding is printed with its stack and counted.</summary>
    public static ReplayResult Replay(FuzzTarget target, IEnumerable<string> paths, TextWriter output)
    {
        target.Prepare(FuzzDirs.Find());
        int accepted = 0, rejected = 0, findings = 0;
        foreach (var file in paths.SelectMany(Inputs))
        {
            try
            {
                if (target.Execute(File.ReadAllBytes(file)) == Outcome.Accepted) accepted++;
                else rejected++;
            }
            catch (Exception e)
            {
                findings++;
                output.WriteLine($"FINDING {target.Name} {file}: {e.GetType().Name}: {e.Message}");
                output.WriteLine(e.StackTrace);
            }
        }
        output.WriteLine($"{target.Name}: {accepted + rejected + findings} inputs, {accepted} accepted, {rejected} rejected, {findings} findings");
        return new ReplayResult(accepted, rejected, findings);
    }

    /// <summary>A file, or every file under a directory (AFL's dot-files and README files skipped).</summary>
    private static IEnumerable<string> Inputs(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new FileNotFoundException($"no such input: {path}");
        return Directory.GetFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && !Path.GetFileName(f).StartsWith("README", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    /// <summary>
    /// afl-cmin's rule (for every edge, the smallest input that covers it) over the trace map SharpFuzz's
    /// instrumentation writes. afl-cmin itself cannot be used: afl-showmap runs the target outside the fork
    /// server, where SharpFuzz records nothing.
    /// </summary>
    private static unsafe int Minimise(FuzzTarget target, string input, string output)
    {
        var trace = Type.GetType("SharpFuzz.Common.Trace, SharpFuzz.Common")
            ?? throw new ArgumentException("SharpFuzz.Common is not loaded");
        var sharedMem = trace.GetField("SharedMem") ?? throw new ArgumentException("SharpFuzz's trace map field is missing");
        var prev = trace.GetField("PrevLocation");
        const int MapSize = 1 << 16;
        byte* map = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(MapSize);
        sharedMem.SetValue(null, System.Reflection.Pointer.Box(map, typeof(byte*)));
        target.Prepare(FuzzDirs.Find());
        var files = Inputs(input).OrderBy(f => new FileInfo(f).Length).ThenBy(f => f, StringComparer.Ordinal).ToList();
        var best = new Dictionary<int, string>();
        int instrumented = 0;
        foreach (var f in files)
        {
            new Span<byte>(map, MapSize).Clear();
            prev?.SetValue(null, 0);
            try { target.Execute(File.ReadAllBytes(f)); }
            catch (Exception e) { throw new ArgumentException($"{f} is a finding ({e.GetType().Name}: {e.Message}); replay it first"); }
            var edges = new Span<byte>(map, MapSize);
            bool any = false;
            for (int i = 0; i < MapSize; i++)
            {
                if (edges[i] == 0) continue;
                any = true;
                best.TryAdd(i, f); // files come smallest first
            }
            if (any) instrumented++;
        }
        if (instrumented == 0) throw new ArgumentException("no input left a trace: run cmin with the instrumented build (artifacts/fuzz/bin)");
        var keep = best.Values.ToHashSet();
        Directory.CreateDirectory(output);
        foreach (var old in Directory.GetFiles(output)) File.Delete(old);
        foreach (var f in keep) File.Copy(f, Path.Combine(output, Path.GetFileName(f)));
        Console.WriteLine($"{target.Name}: {files.Count} inputs, {best.Count} edges, kept {keep.Count}");
        return 0;
    }

    private static int Seed(string[] args)
    {
        string? spec = null, testnets = null, outDir = null;
        for (int i = 0; i < args.Length; i++)
        {
            string value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option {args[i]} needs a value");
            switch (args[i])
            {
                case "--spec-tests": spec = value(); break;
                case "--testnets": testnets = value(); break;
                case "--out": outDir = value(); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }
        if (spec is null) throw new ArgumentException("missing --spec-tests DIR (the consensus-spec-tests checkout)");
        var dirs = outDir is null ? FuzzDirs.Find() : new FuzzDirs(outDir);
        var sources = new SeedSources(spec, testnets);
        foreach (var t in Targets)
        {
            string corpus = dirs.Corpus(t.Name);
            Directory.CreateDirectory(corpus);
            foreach (var f in Directory.GetFiles(corpus)) File.Delete(f);
            int n = 0;
            foreach (var (name, data) in t.Seeds(sources))
            {
                File.WriteAllBytes(Path.Combine(corpus, name), data);
                n++;
            }
            string states = "";
            if (t is IPreStateTarget pt)
            {
                var found = pt.PreStates(sources);
                string dir = dirs.States(t.Name);
                Directory.CreateDirectory(dir);
                foreach (var f in Directory.GetFiles(dir)) File.Delete(f);
                for (int i = 0; i < found.Count; i++) File.WriteAllBytes(Path.Combine(dir, $"{i:D2}.ssz"), found[i]);
                states = $", {found.Count} pre-states";
            }
            Console.WriteLine($"{t.Name}: {n} seeds{states}");
        }
        return 0;
    }
}
