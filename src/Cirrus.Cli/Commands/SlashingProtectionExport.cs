using Cirrus.Validator;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus validator-client slashing-protection export`: writes the EIP-3076 interchange file.</summary>
public sealed class SlashingProtectionExport : ICliCommand
{
    public string? Group => "validator-client slashing-protection";
    public string Name => "export";
    public string Summary => "export the slashing-protection history as an EIP-3076 (v5) interchange file";
    public string Usage => "--data-dir DIR --file OUT.json";

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ["data-dir", "file"], []);
        if (a.Positionals.Count != 0) throw new CliException($"unexpected argument '{a.Positionals[0]}'", 2);
        string dbPath = SlashingProtectionDb.PathIn(a.Required("data-dir"));
        string file = a.Required("file");
        try
        {
            using var db = SlashingProtectionDb.OpenExisting(dbPath);
            var interchange = db.Export();
            CliArgs.WriteFileAtomic(file, interchange.ToJsonUtf8());
            int blocks = interchange.Data.Sum(r => r.SignedBlocks.Count), atts = interchange.Data.Sum(r => r.SignedAttestations.Count);
            stdout.WriteLine($"exported {interchange.Data.Count} validators ({blocks} blocks, {atts} attestations) to {file}");
            return 0;
        }
        catch (ValidatorException e)
        {
            throw new CliException(e.Message);
        }
    }
}
