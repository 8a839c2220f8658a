using System.CommandLine;
using Cirrus.Validator;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Cli.Commands;

/// <summary>`cirrus validator-client slashing-protection export`: writes the EIP-3076 interchange file.</summary>
public sealed class SlashingProtectionExport : ICliCommand
{
    public string? Group => "validator-client slashing-protection";
    public string Name => "export";
    public string Summary => "export the slashing-protection history as an EIP-3076 (v5) interchange file";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("data-dir", "DIR", "the validator client's data directory (required)"),
        Opt.Value("file", "FILE", "where to write the interchange JSON (required)"),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        string dbPath = SlashingProtectionDb.PathIn(a.Required("data-dir"));
        string file = a.Required("file");
        try
        {
            using var db = SlashingProtectionDb.OpenExisting(dbPath);
            var interchange = db.Export();
            CliFiles.WriteFileAtomic(file, interchange.ToJsonUtf8());
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
