using System.CommandLine;
using Cirrus.Validator.Keys;

namespace Cirrus.Cli.Commands;

/// <summary>
/// `cirrus validator-client import`: checks each keystore's password by decrypting it and stores the keystore
/// and its password in the validator client's data directory (layout in src/Cirrus.Validator/README.md).
/// </summary>
public sealed class ValidatorClientImport : ICliCommand
{
    public string? Group => "validator-client";
    public string Name => "import";
    public string Summary => "import EIP-2335 keystores (a file or a directory of keystore*.json) into a validator data dir";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("keystores", "FILE|DIR", "an EIP-2335 keystore, or a directory of keystore*.json (required)"),
        Opt.Value("data-dir", "DIR", "the validator client's data directory (required)"),
        Opt.Value("password-file", "FILE", "one password for every keystore (default: each keystore's KEYSTORE.txt beside it)"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        string source = a.Required("keystores");
        string dataDir = a.Required("data-dir");
        string? shared = a.Option("password-file") is { } pf ? KeyFiles.ReadSecretText(pf, "password file") : null;

        string[] files;
        if (Directory.Exists(source))
        {
            files = Directory.GetFiles(source, "keystore*.json");
            Array.Sort(files, StringComparer.Ordinal);
            if (files.Length == 0) throw new CliException($"no keystore*.json files in {source}");
        }
        else if (File.Exists(source)) files = [source];
        else throw new CliException($"file not found: {source}");

        var inputs = new List<(string, string)>(files.Length);
        foreach (string f in files)
        {
            string? password = shared;
            if (password is null)
            {
                string sibling = Path.ChangeExtension(f, ".txt");
                if (!File.Exists(sibling)) throw new CliException($"no password for {f}: give --password-file or put it in {sibling}");
                password = KeyFiles.ReadSecretText(sibling, "password file");
            }
            inputs.Add((f, password));
        }
        var result = KeyFiles.Guard(() => new ValidatorDataDir(dataDir).Import(inputs, line => { stdout.WriteLine(line); stdout.Flush(); }));
        stdout.WriteLine($"imported {result.Imported.Count}, skipped {result.Skipped.Count} (already present)");
        return 0;
    }
}
