using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using Cirrus.Consensus.Config;
using Cirrus.Validator;
using Cirrus.Validator.Keys;

namespace Cirrus.Cli.Commands;

/// <summary>
/// `cirrus deposits create`: derives validator keys from a BIP-39 mnemonic (EIP-2333/2334 paths), writes an
/// EIP-2335 keystore per validator and one deposit_data JSON file, named and shaped as the official
/// eth2.0-deposit-cli names and shapes them. Passwords come from a file or are generated, never from the command line.
/// </summary>
public sealed class DepositsCreate : ICliCommand
{
    public string? Group => "deposits";
    public string Name => "create";
    public string Summary => "derive validator keys from a mnemonic; write keystores and deposit_data JSON";
    public IEnumerable<Symbol> Symbols =>
    [
        Opt.Value("count", "N", $"how many validators (required; at most {MaxCount})"),
        Opt.Value("mnemonic-file", "FILE", "the BIP-39 mnemonic (required; see `deposits new-mnemonic`)"),
        Opt.Value("out", "DIR", "where the keystores and deposit_data-*.json go (required)"),
        .. Opt.Network(" (default mainnet)"),
        Opt.Value("first-index", "I", "the first EIP-2334 validator index (default 0)"),
        Opt.Value("password-file", "FILE", "one password for every keystore (default: a generated password per keystore, in KEYSTORE.txt)"),
        Opt.Value("mnemonic-passphrase-file", "FILE", "the mnemonic's optional BIP-39 passphrase"),
        Opt.Value("kdf", "KDF", "the keystores' key derivation: scrypt (default) or pbkdf2"),
    ];

    private const ulong MaxCount = 100_000;

    public int Run(CommandArgs a, TextWriter stdout, TextWriter stderr)
    {
        ulong count = a.ULong("count");
        if (count == 0 || count > MaxCount) throw new CliException($"--count must be between 1 and {MaxCount}", 2);
        ulong first = a.ULong("first-index", 0);
        if (first + count - 1 > uint.MaxValue) throw new CliException("--first-index + --count go past the last EIP-2334 index (2^32 - 1)", 2);
        string kdfName = a.Option("kdf") ?? "scrypt";
        if (kdfName is not ("scrypt" or "pbkdf2")) throw new CliException($"--kdf must be scrypt or pbkdf2, not '{kdfName}'", 2);
        string mnemonicFile = a.Required("mnemonic-file");
        string outDir = a.Required("out");
        NetworkConfig network = ReadNetwork(a);

        string mnemonic = Encoding.UTF8.GetString(CliFiles.ReadFile(mnemonicFile, Cirrus.Validator.BoundedFile.MaxSecretBytes, "a mnemonic"));
        try { CryptographicOperations.ZeroMemory(Bip39.MnemonicToEntropy(mnemonic)); }
        catch (ValidatorException e) { throw new CliException($"mnemonic file {mnemonicFile}: {e.Message}"); }
        string passphrase = a.Option("mnemonic-passphrase-file") is { } pf ? KeyFiles.ReadSecretText(pf, "passphrase file") : "";
        string? shared = null;
        if (a.Option("password-file") is { } pwf)
        {
            shared = KeyFiles.ReadSecretText(pwf, "password file");
            if (KeyFiles.Guard(() => Keystore.NormalizePassword(shared)).Length < 8)
                throw new CliException($"the password in {pwf} is shorter than 8 characters");
        }

        try { Directory.CreateDirectory(outDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new CliException($"cannot create {outDir}: {e.Message}"); }

        long ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        byte[] seed = KeyFiles.Guard(() => Bip39.MnemonicToSeed(mnemonic, passphrase));
        var entries = new List<DepositEntry>();
        ChainConfig c = network.Config;
        try
        {
            for (ulong n = 0; n < count; n++)
            {
                uint index = (uint)(first + n);
                using var signing = KeyDerivation.DeriveKeyAtPath(seed, KeyPath.Signing(index));
                using var withdrawal = KeyDerivation.DeriveKeyAtPath(seed, KeyPath.Withdrawal(index));
                var credentials = DepositDataFile.BlsWithdrawalCredentials(c, withdrawal.PublicKey.ToBytes());
                entries.Add(DepositDataFile.Create(c, signing, credentials, c.MaxEffectiveBalance, network.Name));

                string password = shared ?? RandomNumberGenerator.GetString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 24);
                var kdf = kdfName == "scrypt" ? KeystoreKdf.Scrypt() : KeystoreKdf.Pbkdf2();
                var ks = Keystore.Encrypt(signing, password, KeyPath.Signing(index), kdf);
                string stem = $"keystore-m_12381_3600_{index}_0_0-{ts}";
                ValidatorDataDir.WriteAtomic(Path.Combine(outDir, stem + ".json"), Encoding.UTF8.GetBytes(ks.ToJson()), secret: true);
                if (shared is null)
                    ValidatorDataDir.WriteAtomic(Path.Combine(outDir, stem + ".txt"), Encoding.UTF8.GetBytes(password), secret: true);
                stdout.WriteLine($"[{n + 1}/{count}] validator {index}: {stem}.json ({signing.PublicKey})");
                stdout.Flush();
            }
            string depositFile = Path.Combine(outDir, $"deposit_data-{ts}.json");
            ValidatorDataDir.WriteAtomic(depositFile, Encoding.UTF8.GetBytes(DepositDataFile.ToJson(entries)), secret: false);
            stdout.WriteLine($"wrote {count} keystore(s) and {depositFile} for network {network.Name}"
                + (shared is null ? "; each keystore's password is in the .txt file beside it" : ""));
        }
        catch (ValidatorException e) { throw new CliException(e.Message); }
        finally { CryptographicOperations.ZeroMemory(seed); }
        return 0;
    }

    private static NetworkConfig ReadNetwork(CommandArgs a)
    {
        string? name = a.Option("network"), dir = a.Option("network-dir");
        if (name != null && dir != null) throw new CliException("give --network or --network-dir, not both", 2);
        if (dir != null)
        {
            if (!Directory.Exists(dir)) throw new CliException($"network directory not found: {dir}");
            try { return Networks.FromDirectory(dir, CliFiles.ReadNetworkFile); }
            catch (ConfigException e) { throw new CliException($"network directory {dir}: {e.Message}"); }
        }
        name ??= "mainnet";
        return Networks.Builtin(name)
            ?? throw new CliException($"unknown network '{name}' (one of {string.Join(", ", Networks.BuiltinNames)}, or --network-dir)", 2);
    }
}
