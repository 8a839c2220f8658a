using System.CommandLine;
namespace Cirrus.Cli.Commands;

public sealed class NcliHashTreeRoot : ICliCommand
{
    public string? Group => "ncli";
    public string Name => "hash-tree-root";
    public string Summary => "print hash_tree_root of an SSZ file as 0x-hex";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("type", "TYPE", "the SSZ container in FILE, e.g. BeaconState or SignedBeaconBlock (required)"),
        Opt.Value("preset", "PRESET", "mainnet (default) or minimal"),
        Opt.Files("FILE", "the SSZ file"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        if (a.Positionals.Count != 1) throw new CliException("expected exactly one FILE", 2);
        var schema = NcliSsz.Schema(a.Option("preset") ?? "mainnet");
        var type = NcliSsz.ContainerType(a.Required("type"));
        var (ssz, value) = NcliSsz.Decode(schema, type, a.Positionals[0]);
        stdout.WriteLine(Root((dynamic)ssz, (dynamic)value));
        return 0;
    }

    private static string Root<T>(Cirrus.Ssz.SszType<T> type, T value) => type.HashTreeRoot(value).ToString();
}
