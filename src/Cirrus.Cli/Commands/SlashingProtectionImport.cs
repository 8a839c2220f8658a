using Cirrus.Ssz;
using Cirrus.Validator;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Cli.Commands;

/// <summary>
/// `cirrus validator-client slashing-protection import`: merges an EIP-3076 interchange file into
/// the data directory's database, creating it (for the file's chain, or the one given) if missing.
/// </summary>
public sealed class SlashingProtectionImport : ICliCommand
{
    public string? Group => "validator-client slashing-protection";
    public string Name => "import";
    public string Summary => "import an EIP-3076 (v5) interchange file into the slashing-protection database";
    public string Usage => "--data-dir DIR --file IN.json [--genesis-validators-root 0xROOT]";

    public int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        var a = new CliArgs(args, ["data-dir", "file", "genesis-validators-root"], []);
        if (a.Positionals.Count != 0) throw new CliException($"unexpected argument '{a.Positionals[0]}'", 2);
        string dbPath = SlashingProtectionDb.PathIn(a.Required("data-dir"));
        string file = a.Required("file");
        Bytes32? expected = null;
        if (a.Option("genesis-validators-root") is { } g)
        {
            try { expected = Bytes32.FromHex(g); }
            catch (Exception e) when (e is SszException or FormatException or ArgumentException)
            {
                throw new CliException($"option --genesis-validators-root: '{g}' is not a 32-byte 0x hex root", 2);
            }
        }
        byte[] json = CliArgs.ReadFile(file);
        try
        {
            // Parse first: a bad file must not leave a new, empty database behind.
            var interchange = Interchange.Parse(json);
            using var db = File.Exists(dbPath)
                ? SlashingProtectionDb.OpenExisting(dbPath)
                : SlashingProtectionDb.Open(dbPath, expected ?? interchange.GenesisValidatorsRoot);
            if (expected is { } want && want != db.GenesisValidatorsRoot)
                throw new CliException($"the database at {dbPath} belongs to genesis_validators_root {db.GenesisValidatorsRoot}, not {want}");
            var s = db.Import(interchange);
            stdout.WriteLine($"imported {s.Records} records ({s.NewValidators} new validators, {s.SignedBlocks} blocks, {s.SignedAttestations} attestations) into {dbPath}");
            return 0;
        }
        catch (ValidatorException e)
        {
            throw new CliException(e.Message);
        }
    }
}
