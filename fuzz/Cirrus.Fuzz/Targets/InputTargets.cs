using System.Text;
using Cirrus.Api;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;
using Cirrus.Validator;
using Cirrus.Validator.Keys;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Fuzz.Targets;

/// <summary>
/// EIP-2335 keystore JSON. Oracle: only ValidatorException. A keystore whose KDF is cheap (scrypt n ≤ 2^10,
/// PBKDF2 c ≤ 2^12) is also decrypted with a fixed password: a wrong password or a broken cipher must
/// still be a ValidatorException.
/// </summary>
public sealed class KeystoreTarget : FuzzTarget
{
    public override string Name => "keystore";
    public override string Description => "EIP-2335 keystore JSON parse, and decryption when its KDF is cheap";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(ValidatorException)];

    public override void Run(ReadOnlySpan<byte> input)
    {
        var ks = Keystore.Parse(Encoding.UTF8.GetString(input), "fuzz");
        bool cheap = ks.Kdf.Function == KdfFunction.Scrypt ? (long)ks.Kdf.N * ks.Kdf.R * ks.Kdf.P <= 1 << 13 : ks.Kdf.C <= 1 << 12;
        if (cheap) ks.Decrypt("fuzz password");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        var secret = new byte[32];
        secret[31] = 1;
        foreach (var (name, kdf) in new[] { ("scrypt", KeystoreKdf.Scrypt(n: 16, r: 8, p: 1, salt: new byte[32])), ("pbkdf2", KeystoreKdf.Pbkdf2(c: 16, salt: new byte[32])) })
            yield return (name, Encoding.UTF8.GetBytes(Keystore.Encrypt(secret, "fuzz password", "m/12381/3600/0/0/0", kdf: kdf).ToJson()));
    }
}

/// <summary>EIP-3076 slashing-protection interchange JSON. Oracle: only ValidatorException; what parses re-serialises to JSON that parses to the same.</summary>
public sealed class InterchangeTarget : FuzzTarget
{
    public override string Name => "interchange";
    public override string Description => "EIP-3076 interchange JSON parse; its own output parses back to the same";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(ValidatorException)];

    public override void Run(ReadOnlySpan<byte> input)
    {
        var once = Interchange.Parse(input).ToJsonUtf8();
        Interchange again;
        try { again = Interchange.Parse(once); }
        catch (ValidatorException e) { throw new InvariantViolation("interchange: our own output does not parse: " + e.Message); }
        if (!again.ToJsonUtf8().AsSpan().SequenceEqual(once)) throw new InvariantViolation("interchange: re-serialising is not stable");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        yield return ("minimal", Encoding.UTF8.GetBytes("""
            {"metadata":{"interchange_format_version":"5","genesis_validators_root":"0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673"},
             "data":[{"pubkey":"0xb845089a1457f811bfc000588fbb4e713669be8ce060ea6be3c6ece09afc3794106c91ca73acda5e5457122d58723bed",
               "signed_blocks":[{"slot":"81952","signing_root":"0x4ff6f743a43f3b4f95350831aeaf0a122a1a392922c45d804280284a69eb850b"},{"slot":"81951"}],
               "signed_attestations":[{"source_epoch":"2290","target_epoch":"3007","signing_root":"0x587d6a4f59a58fe24f406e0502413e77fe1babddee641fda30034ed37ecc884d"},{"source_epoch":"2290","target_epoch":"3008"}]}]}
            """));
    }
}

/// <summary>
/// The REST API's request parsers (RequestParsers): one selector byte, then 0–6 a POST body as JSON or
/// SSZ of a type the API accepts (block, attestations, exits, slashings, aggregates), 7 a JSON array
/// body, 8–11 a path or query value (slot/root id, unsigned integer, validator id, graffiti). Oracle:
/// only ApiError or SszException (both become a 400).
/// </summary>
public sealed class RestTarget : FuzzTarget
{
    private static readonly SszSchema Schema = ChainConfig.Mainnet.Schema;

    public override string Name => "rest";
    public override string Description => "REST request parsing: JSON and SSZ bodies of every POST type, ids and query values";
    public override IReadOnlyList<Type> Rejections { get; } = [typeof(ApiError), typeof(SszException)];

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0) throw ApiError.BadRequest("empty input");
        bool ssz = (input[0] & 0x80) != 0;
        byte[] body = input[1..].ToArray();
        string text() => Encoding.UTF8.GetString(body);
        switch ((input[0] & 0x7f) % 12)
        {
            case 0: RequestParsers.ParseBody(Schema.Get<SignedBeaconBlock>(), body, ssz); break;
            case 1: Items<Attestation>(body); break;
            case 2: RequestParsers.ParseBody(Schema.Get<SignedVoluntaryExit>(), body, ssz); break;
            case 3: RequestParsers.ParseBody(Schema.Get<ProposerSlashing>(), body, ssz); break;
            case 4: RequestParsers.ParseBody(Schema.Get<AttesterSlashing>(), body, ssz); break;
            case 5: Items<SignedAggregateAndProof>(body); break;
            case 6: RequestParsers.ParseBody(Schema.Get<BeaconBlock>(), body, ssz); break;
            case 7: Items<ulong>(body); break;
            case 8:
                string id = text();
                if (id.StartsWith("0x", StringComparison.Ordinal)) RequestParsers.ParseRoot(id);
                else RequestParsers.ParseSlot(id);
                break;
            case 9: RequestParsers.ParseUInt(text(), "epoch"); break;
            case 10: RequestParsers.ParseValidatorId(text()); break;
            default: BeaconApi.ParseGraffiti(text()); break;
        }
    }

    /// <summary>A JSON array of items, each decoded as the pool endpoints do.</summary>
    private static void Items<T>(byte[] body)
    {
        using var doc = RequestParsers.ParseJson(body);
        var type = Schema.Get<T>();
        foreach (var item in RequestParsers.RequireArray(doc).EnumerateArray()) type.ReadJson(item);
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(SeedSources sources)
    {
        var s = Schema;
        var block = s.Get<SignedBeaconBlock>().Default();
        yield return ("block-json", [0, .. Encoding.UTF8.GetBytes(s.Get<SignedBeaconBlock>().ToJson(block))]);
        yield return ("block-ssz", [0x80, .. s.Get<SignedBeaconBlock>().Serialize(block)]);
        yield return ("attestations", [1, .. Encoding.UTF8.GetBytes("[" + s.Get<Attestation>().ToJson(s.Get<Attestation>().Default()) + "]")]);
        yield return ("exit", [2, .. Encoding.UTF8.GetBytes(s.Get<SignedVoluntaryExit>().ToJson(s.Get<SignedVoluntaryExit>().Default()))]);
        yield return ("proposer-slashing", [3, .. Encoding.UTF8.GetBytes(s.Get<ProposerSlashing>().ToJson(s.Get<ProposerSlashing>().Default()))]);
        yield return ("attester-slashing", [4, .. Encoding.UTF8.GetBytes(s.Get<AttesterSlashing>().ToJson(s.Get<AttesterSlashing>().Default()))]);
        yield return ("aggregates", [5, .. Encoding.UTF8.GetBytes("[" + s.Get<SignedAggregateAndProof>().ToJson(s.Get<SignedAggregateAndProof>().Default()) + "]")]);
        yield return ("indices", [7, .. "[\"1\",\"2\",3]"u8.ToArray()]);
        yield return ("root", [8, .. "0x4ff6f743a43f3b4f95350831aeaf0a122a1a392922c45d804280284a69eb850b"u8.ToArray()]);
        yield return ("slot", [8, .. "12345"u8.ToArray()]);
        yield return ("validator", [10, .. "0xb845089a1457f811bfc000588fbb4e713669be8ce060ea6be3c6ece09afc3794106c91ca73acda5e5457122d58723bed"u8.ToArray()]);
        yield return ("graffiti", [11, .. "0x6369727275730000000000000000000000000000000000000000000000000000"u8.ToArray()]);
    }
}
