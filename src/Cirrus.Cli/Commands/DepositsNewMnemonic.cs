using System.Text;
using Cirrus.Validator.Keys;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus deposits new-mnemonic`: writes a fresh BIP-39 mnemonic to a file only its owner can read.</summary>
public sealed class DepositsNewMnemonic : ICliCommand
{
    public string? Group => "deposits";
    public string Name => "new-mnemonic";
    public string Summary => "write a new 24-word BIP-39 mnemonic to a file (mode 0600); keep a copy offline";
    public string Usage => "--out FILE [--words 12|15|18|21|24]";

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ["out", "words"], []);
        if (a.Positionals.Count != 0) throw new CliException($"unexpected argument '{a.Positionals[0]}'", 2);
        string outFile = a.Required("out");
        ulong words = a.ULong("words", 24);
        if (words is not (12 or 15 or 18 or 21 or 24)) throw new CliException("--words must be 12, 15, 18, 21 or 24", 2);
        if (File.Exists(outFile)) throw new CliException($"{outFile} exists; not overwriting a mnemonic");
        string mnemonic = Bip39.Generate((int)words);
        KeyFiles.Guard(() => { ValidatorDataDir.WriteAtomic(outFile, Encoding.UTF8.GetBytes(mnemonic + "\n"), secret: true); return 0; });
        stdout.WriteLine($"wrote a {words}-word mnemonic to {outFile}");
        return 0;
    }
}
