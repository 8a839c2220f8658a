namespace Cirrus.Cli.Commands;

public sealed class NcliHashTreeRoot : ICliCommand
{
    public string? Group => "ncli";
    public string Name => "hash-tree-root";
    public string Summary => "print hash_tree_root of an SSZ file as 0x-hex";
    public string Usage => "--type TYPE [--preset mainnet|minimal] FILE";

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ["type", "preset"], []);
        if (a.Positionals.Count != 1) throw new CliException("expected exactly one FILE", 2);
        var schema = NcliSsz.Schema(a.Option("preset") ?? "mainnet");
        var type = NcliSsz.ContainerType(a.Required("type"));
        var (ssz, value) = NcliSsz.Decode(schema, type, a.Positionals[0]);
        stdout.WriteLine(Root((dynamic)ssz, (dynamic)value));
        return 0;
    }

    private static string Root<T>(Cirrus.Ssz.SszType<T> type, T value) => type.HashTreeRoot(value).ToString();
}
