using System.Text;
using System.Text.Json;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Validator.Keys;

/// <summary>One deposit as the deposit tools describe it: the signed data, its roots and the fork it was signed for.</summary>
public sealed record DepositEntry(DepositData Data, Bytes32 DepositMessageRoot, Bytes32 DepositDataRoot, Bytes4 ForkVersion,
    string? NetworkName = null, string? CliVersion = null);

/// <summary>
/// Builds deposits (spec: the deposit contract's DepositData, signed over compute_signing_root(DepositMessage,
/// compute_domain(DOMAIN_DEPOSIT, GENESIS_FORK_VERSION, zero root))) and reads and writes the deposit_data
/// JSON of the official eth2.0-deposit-cli: an array of objects with hex written without 0x.
/// </summary>
public static class DepositDataFile
{
    /// <summary>The deposit-cli release whose file format this writes (the launchpad checks the field).</summary>
    public const string DepositCliVersion = "1.2.0";

    /// <summary>BLS withdrawal credentials: BLS_WITHDRAWAL_PREFIX ‖ sha256(withdrawal pubkey)[1:].</summary>
    public static Bytes32 BlsWithdrawalCredentials(ChainConfig c, ReadOnlySpan<byte> withdrawalPubkey48)
    {
        if (withdrawalPubkey48.Length != 48) throw new ValidatorException("a withdrawal public key is 48 bytes");
        byte[] h = System.Security.Cryptography.SHA256.HashData(withdrawalPubkey48);
        h[0] = c.BlsWithdrawalPrefix;
        return Bytes32.FromSpan(h);
    }

    /// <summary>The signed deposit of <paramref name="amountGwei"/> for <paramref name="signingKey"/>.</summary>
    public static DepositEntry Create(ChainConfig c, BlsSecretKey signingKey, Bytes32 withdrawalCredentials, ulong amountGwei,
        string? networkName = null)
    {
        if (amountGwei < c.MinDepositAmount) throw new ValidatorException($"a deposit is at least {c.MinDepositAmount} gwei");
        var pubkey = Bytes48.FromSpan(signingKey.PublicKey.ToBytes());
        var message = new DepositMessage { Pubkey = pubkey, WithdrawalCredentials = withdrawalCredentials, Amount = amountGwei };
        Bytes32 messageRoot = c.Schema.HashTreeRoot(message);
        Bytes32 domain = Misc.ComputeDomain(c, c.DomainDeposit, c.GenesisForkVersion);
        Bytes32 signingRoot = Misc.ComputeSigningRoot(c, messageRoot, domain);
        var data = new DepositData
        {
            Pubkey = pubkey,
            WithdrawalCredentials = withdrawalCredentials,
            Amount = amountGwei,
            Signature = Bytes96.FromSpan(signingKey.Sign(signingRoot.AsSpan()).ToBytes()),
        };
        return new DepositEntry(data, messageRoot, c.Schema.HashTreeRoot(data), c.GenesisForkVersion, networkName, DepositCliVersion);
    }

    /// <summary>
    /// Checks a deposit as the beacon chain will: its signature over the deposit message in the
    /// fork-agnostic deposit domain, and that the recorded roots and fork version match.
    /// </summary>
    public static bool Verify(ChainConfig c, DepositEntry e)
    {
        var message = new DepositMessage { Pubkey = e.Data.Pubkey, WithdrawalCredentials = e.Data.WithdrawalCredentials, Amount = e.Data.Amount };
        Bytes32 messageRoot = c.Schema.HashTreeRoot(message);
        if (messageRoot != e.DepositMessageRoot || c.Schema.HashTreeRoot(e.Data) != e.DepositDataRoot || e.ForkVersion != c.GenesisForkVersion)
            return false;
        Bytes32 signingRoot = Misc.ComputeSigningRoot(c, messageRoot, Misc.ComputeDomain(c, c.DomainDeposit));
        return Bls.Verify(e.Data.Pubkey.AsSpan(), signingRoot.AsSpan(), e.Data.Signature.AsSpan());
    }

    private static string Hex(ReadOnlySpan<byte> b) => Convert.ToHexStringLower(b);

    /// <summary>The deposit_data-*.json text.</summary>
    public static string ToJson(IEnumerable<DepositEntry> entries)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartArray();
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteString("pubkey", Hex(e.Data.Pubkey.AsSpan()));
                w.WriteString("withdrawal_credentials", Hex(e.Data.WithdrawalCredentials.AsSpan()));
                w.WriteNumber("amount", e.Data.Amount);
                w.WriteString("signature", Hex(e.Data.Signature.AsSpan()));
                w.WriteString("deposit_message_root", Hex(e.DepositMessageRoot.AsSpan()));
                w.WriteString("deposit_data_root", Hex(e.DepositDataRoot.AsSpan()));
                w.WriteString("fork_version", Hex(e.ForkVersion.AsSpan()));
                if (e.NetworkName != null) w.WriteString("eth2_network_name", e.NetworkName);
                w.WriteString("deposit_cli_version", e.CliVersion ?? DepositCliVersion);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>
    /// Reads a deposit_data JSON file's entries (hex with or without 0x; the network as eth2_network_name or,
    /// as later deposit-cli releases write it, network_name); throws ValidatorException on bad content.
    /// </summary>
    public static List<DepositEntry> Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException) { throw new ValidatorException("deposit data: not valid JSON"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new ValidatorException("deposit data: not a JSON array");
            var list = new List<DepositEntry>();
            int i = 0;
            foreach (var o in doc.RootElement.EnumerateArray())
            {
                string where = $"deposit data entry {i++}";
                if (o.ValueKind != JsonValueKind.Object) throw new ValidatorException($"{where}: not an object");
                byte[] Field(string name, int len)
                {
                    if (!o.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
                        throw new ValidatorException($"{where}: missing field '{name}'");
                    string s = v.GetStringOrNull() ?? throw new ValidatorException($"{where}: '{name}' is not valid text");
                    if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
                    byte[] b;
                    try { b = Convert.FromHexString(s); }
                    catch (FormatException) { throw new ValidatorException($"{where}: '{name}' is not hex"); }
                    return b.Length == len ? b : throw new ValidatorException($"{where}: '{name}' is not {len} bytes");
                }
                if (!o.TryGetProperty("amount", out var a) || !a.TryGetUInt64(out ulong amount))
                    throw new ValidatorException($"{where}: missing or invalid field 'amount'");
                var data = new DepositData
                {
                    Pubkey = Bytes48.FromSpan(Field("pubkey", 48)),
                    WithdrawalCredentials = Bytes32.FromSpan(Field("withdrawal_credentials", 32)),
                    Amount = amount,
                    Signature = Bytes96.FromSpan(Field("signature", 96)),
                };
                string? Str(string name) => o.TryGetProperty(name, out var v) ? v.GetStringOrNull() : null;
                list.Add(new DepositEntry(data, Bytes32.FromSpan(Field("deposit_message_root", 32)), Bytes32.FromSpan(Field("deposit_data_root", 32)),
                    Bytes4.FromSpan(Field("fork_version", 4)), Str("eth2_network_name") ?? Str("network_name"), Str("deposit_cli_version")));
            }
            return list;
        }
    }
}
