using System.CommandLine;
namespace Cirrus.Cli.Commands;

public sealed class NcliPretty : ICliCommand
{
    public string? Group => "ncli";
    public string Name => "pretty";
    public string Summary => "print an SSZ file as JSON (spec field names, Beacon API encoding)";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("type", "TYPE", "the SSZ container in FILE, e.g. BeaconState or SignedBeaconBlock (required)"),
        Opt.Value("preset", "PRESET", "mainnet (default) or minimal"),
        Opt.Flag("compact", "one line of JSON instead of indented"),
        Opt.Files("FILE", "the SSZ file"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positionals.Count != 1) throw new CliException("expected exactly one FILE", 2);
        var schema = NcliSsz.Schema(a.Option("preset") ?? "mainnet");
        var type = NcliSsz.ContainerType(a.Required("type"));
        var (ssz, value) = NcliSsz.Decode(schema, type, a.Positionals[0]);
        stdout.WriteLine(Json((dynamic)ssz, (dynamic)value, !a.Flag("compact")));
        return 0;
    }

    private static string Json<T>(Cirrus.Ssz.SszType<T> type, T value, bool indented) => type.ToJson(value, indented);
}
