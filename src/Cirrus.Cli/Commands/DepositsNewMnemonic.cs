using System.CommandLine;
using System.Text;
using Cirrus.Validator.Keys;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus deposits new-mnemonic`: writes a fresh BIP-39 mnemonic to a file only its owner can read.</summary>
public sealed class DepositsNewMnemonic : ICliCommand
{
    public string? Group => "deposits";
    public string Name => "new-mnemonic";
    public string Summary => "write a new 24-word BIP-39 mnemonic to a file (mode 0600); keep a copy offline";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("out", "FILE", "where to write the mnemonic (required; an existing file is never overwritten)"),
        Opt.Value("words", "N", "12, 15, 18, 21 or 24 words (default 24)"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
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
