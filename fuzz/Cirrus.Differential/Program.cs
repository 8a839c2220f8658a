using Cirrus.Differential;

// differential run against Lodestar: dotnet run -c Release --project fuzz/Cirrus.Differential -- --cases N [--seed S] [--operations SHARE] [--epochs E] [--out DIR]
var root = new DirectoryInfo(AppContext.BaseDirectory);
while (root is not null && !File.Exists(Path.Combine(root.FullName, "BeaconNode.sln"))) root = root.Parent;
string repo = root?.FullName ?? Directory.GetCurrentDirectory();
string Arg(string name, string dflt)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : dflt;
}
string modules = Arg("--modules", Path.Combine(repo, "tests", "interop-lodestar", "node_modules"));
if (!Directory.Exists(Path.Combine(modules, "@lodestar", "state-transition")))
{
    Console.Error.WriteLine($"Lodestar is not installed in {modules}: run scripts/setup-lodestar.sh");
    return 2;
}
var options = new Options
{
    Cases = int.Parse(Arg("--cases", "100000")),
    Seed = int.Parse(Arg("--seed", "1")),
    Epochs = int.Parse(Arg("--epochs", "66")),
    OutDir = Arg("--out", Path.Combine(repo, "artifacts", "fuzz-diff")),
    RunnerScript = Arg("--runner", Path.Combine(repo, "fuzz", "differential", "lodestar-runner.mjs")),
    NodeModules = modules,
    Node = Arg("--node", "node"),
    Operations = double.Parse(Arg("--operations", "0"), System.Globalization.CultureInfo.InvariantCulture),
};
Console.WriteLine($"differential run: {options.Cases} cases ({options.Operations:P0} single operations), seed {options.Seed}, mismatches to {options.OutDir}");
var summary = DifferentialRun.Run(options);
Console.WriteLine(summary);
foreach (var u in summary.UnexplainedSamples) Console.WriteLine("  unexplained: " + u);
return summary.Unexplained == 0 && summary.CirrusUnexpectedExceptions == 0 && summary.HarnessErrors == 0 ? 0 : 1;
