namespace Cirrus.Cli.Commands;

public sealed class NcliPretty : ICliCommand
{
    public string? Group => "ncli";
    public string Name => "pretty";
    public string Summary => "print an SSZ file as JSON (spec field names, Beacon API encoding)";
    public string Usage => "--type TYPE [--preset mainnet|minimal] [--compact] FILE";

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ["type", "preset"], ["compact"]);
        if (a.Positionals.Count != 1) throw new CliException("expected exactly one FILE", 2);
        var schema = NcliSsz.Schema(a.Option("preset") ?? "mainnet");
        var type = NcliSsz.ContainerType(a.Required("type"));
        var (ssz, value) = NcliSsz.Decode(schema, type, a.Positionals[0]);
        stdout.WriteLine(Json((dynamic)ssz, (dynamic)value, !a.Flag("compact")));
        return 0;
    }

    private static string Json<T>(Cirrus.Ssz.SszType<T> type, T value, bool indented) => type.ToJson(value, indented);
}
