using System.CommandLine;
using Cirrus.Ssz;
using Cirrus.Validator;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Cli.Commands;

/// <summary>
/// `cirrus validator-client slashing-protection import`: merges an EIP-3076 interchange file into
/// the data directory's database, creating it if missing for the chain the operator names
/// (never for whatever chain the file claims).
/// </summary>
public sealed class SlashingProtectionImport : ICliCommand
{
    public string? Group => "validator-client slashing-protection";
    public string Name => "import";
    public string Summary => "import an EIP-3076 (v5) interchange file into the slashing-protection database";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("data-dir", "DIR", "the validator client's data directory (required)"),
        Opt.Value("file", "FILE", "the interchange JSON to import (required)"),
        Opt.Value("genesis-validators-root", "0xROOT", "the chain of the database; a new database needs it, or --network/--network-dir with a genesis state"),
        .. Opt.Network(),
    ];

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
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
        if (a.Option("network") is not null || a.Option("network-dir") is not null)
        {
            var network = NodeSetup.ResolveNetwork(a.Option("network"), a.Option("network-dir"));
            if (network.GenesisState is not { Length: >= 40 } gs)
                throw new CliException($"network {network.Name} has no genesis state here: give --genesis-validators-root (or a --network-dir with genesis.ssz)", 2);
            // The genesis validators root sits at bytes 8..40 of a BeaconState (after genesis_time).
            var root = Bytes32.FromSpan(gs.AsSpan(8, 32));
            if (expected is { } e && e != root)
                throw new CliException($"--genesis-validators-root {e} is not network {network.Name}'s {root}", 2);
            expected = root;
        }
        byte[] json = CliFiles.ReadFile(file, BoundedFile.MaxInterchangeBytes, "an interchange file");
        try
        {
            // Parse and check first: a bad file or one for another chain must change nothing.
            var interchange = Interchange.Parse(json);
            if (expected is { } want && interchange.GenesisValidatorsRoot != want)
                throw new CliException($"{file} is for genesis_validators_root {interchange.GenesisValidatorsRoot}, not this chain's {want}: nothing imported");
            if (!File.Exists(dbPath) && expected is null)
                throw new CliException($"no slashing protection database at {dbPath}: give the validator client's chain (--genesis-validators-root or --network-dir) to create one", 2);
            using var db = File.Exists(dbPath) ? SlashingProtectionDb.OpenExisting(dbPath) : SlashingProtectionDb.Open(dbPath, expected!.Value);
            if (expected is { } w2 && w2 != db.GenesisValidatorsRoot)
                throw new CliException($"the database at {dbPath} belongs to genesis_validators_root {db.GenesisValidatorsRoot}, not {w2}");
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
