using System.Text;
using Cirrus.Validator.Keys;

namespace Cirrus.Validator.Tests.Keys;

public class KeystoreTests
{
    // EIP-2335 test vectors.
    internal const string Password = "𝔱𝔢𝔰𝔱𝔭𝔞𝔰𝔰𝔴𝔬𝔯𝔡🔑";
    internal const string Secret = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
    internal const string Pubkey = "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07";
    private const string Salt = "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3";
    private const string Iv = "264daa3f303d7259501c93d997d84fe6";

    internal const string ScryptVector = """
    {
        "crypto": {
            "kdf": {
                "function": "scrypt",
                "params": {"dklen": 32, "n": 262144, "p": 1, "r": 8, "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"},
                "message": ""
            },
            "checksum": {"function": "sha256", "params": {}, "message": "d2217fe5f3e9a1e34581ef8a78f7c9928e436d36dacc5e846690a5581e8ea484"},
            "cipher": {
                "function": "aes-128-ctr",
                "params": {"iv": "264daa3f303d7259501c93d997d84fe6"},
                "message": "06ae90d55fe0a6e9c5c3bc5b170827b2e5cce3929ed3f116c2811e6366dfe20f"
            }
        },
        "description": "This is a test keystore that uses scrypt to secure the secret.",
        "pubkey": "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
        "path": "m/12381/60/3141592653/589793238",
        "uuid": "1d85ae20-35c5-4611-98e8-aa14a633906f",
        "version": 4
    }
    """;

    internal const string Pbkdf2Vector = """
    {
        "crypto": {
            "kdf": {
                "function": "pbkdf2",
                "params": {"dklen": 32, "c": 262144, "prf": "hmac-sha256", "salt": "d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3"},
                "message": ""
            },
            "checksum": {"function": "sha256", "params": {}, "message": "8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1"},
            "cipher": {
                "function": "aes-128-ctr",
                "params": {"iv": "264daa3f303d7259501c93d997d84fe6"},
                "message": "cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad"
            }
        },
        "description": "This is a test keystore that uses PBKDF2 to secure the secret.",
        "pubkey": "9612d7a727c9d0a22e185a1c768478dfe919cada9266988cb32359c11f2b7b27f4ae4040902382ae2910c15e2b420d07",
        "path": "m/12381/60/0/0",
        "uuid": "64625def-3331-4eea-ab6f-782f3ed16a83",
        "version": 4
    }
    """;

    [Fact]
    public void PasswordNormalisationMatchesEip()
    {
        // The EIP gives the processed password: "testpassword" then the key emoji, as UTF-8.
        Assert.Equal("7465737470617373776f7264f09f9491", Convert.ToHexStringLower(Keystore.NormalizePassword(Password)));
        // C0, Delete and C1 control codes go; other characters stay.
        Assert.Equal("ab c", Encoding.UTF8.GetString(Keystore.NormalizePassword("a\u0000\u001f\u007fb\u0080\u009f c\n")));
        Assert.Equal("\u00a1", Encoding.UTF8.GetString(Keystore.NormalizePassword("\u00a1")));
    }

    [Fact]
    public void ScryptVectorDecrypts()
    {
        var ks = Keystore.Parse(ScryptVector, "scrypt.json");
        Assert.Equal(KdfFunction.Scrypt, ks.Kdf.Function);
        Assert.Equal(262144, ks.Kdf.N);
        Assert.Equal("m/12381/60/3141592653/589793238", ks.Path);
        Assert.Equal(Guid.Parse("1d85ae20-35c5-4611-98e8-aa14a633906f"), ks.Uuid);
        Assert.Equal("This is a test keystore that uses scrypt to secure the secret.", ks.Description);
        Assert.Equal(Secret, Convert.ToHexStringLower(ks.Decrypt(Password)));
        using var key = ks.DecryptKey(Password);
        Assert.Equal("0x" + Pubkey, key.PublicKey.ToString());
    }

    [Fact]
    public void Pbkdf2VectorDecrypts()
    {
        var ks = Keystore.Parse(Pbkdf2Vector, "pbkdf2.json");
        Assert.Equal(KdfFunction.Pbkdf2, ks.Kdf.Function);
        Assert.Equal(Secret, Convert.ToHexStringLower(ks.Decrypt(Password)));
    }

    [Fact]
    public void EncryptWithTheVectorsSaltAndIvReproducesIt()
    {
        var ks = Keystore.Encrypt(Convert.FromHexString(Secret), Password, "m/12381/60/0/0", Convert.FromHexString(Pubkey),
            KeystoreKdf.Pbkdf2(262144, Convert.FromHexString(Salt)), iv: Convert.FromHexString(Iv));
        Assert.Equal("8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1", Convert.ToHexStringLower(ks.Checksum));
        Assert.Equal("cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad", Convert.ToHexStringLower(ks.CipherMessage));
        // Written JSON reads back to the same keystore.
        var back = Keystore.Parse(ks.ToJson());
        Assert.Equal(ks.Checksum, back.Checksum);
        Assert.Equal(ks.CipherMessage, back.CipherMessage);
        Assert.Equal(ks.Kdf.Salt, back.Kdf.Salt);
        Assert.Equal(262144, back.Kdf.C);
        Assert.Equal(ks.Uuid, back.Uuid);
        Assert.Equal(Pubkey, back.PubkeyHex);
    }

    [Theory]
    [InlineData(KdfFunction.Scrypt)]
    [InlineData(KdfFunction.Pbkdf2)]
    public void RoundTripWithCheapParameters(KdfFunction f)
    {
        var kdf = f == KdfFunction.Scrypt ? KeystoreKdf.Scrypt(n: 16) : KeystoreKdf.Pbkdf2(c: 16);
        using var key = Cirrus.Consensus.Genesis.InteropGenesis.SecretKey(7);
        var ks = Keystore.Encrypt(key, "pässword\n", KeyPath.Signing(7), kdf, "test key");
        string json = ks.ToJson();
        Assert.DoesNotContain(Convert.ToHexStringLower(key.ToBytes()), json);
        var back = Keystore.Parse(json, "k.json");
        Assert.Equal("m/12381/3600/7/0/0", back.Path);
        Assert.Equal("test key", back.Description);
        // NFKD: the precomposed and decomposed spellings are the same password; the newline is stripped.
        using var again = back.DecryptKey("pa\u0308ssword");
        Assert.Equal(key.ToBytes(), again.ToBytes());
    }

    [Fact]
    public void DefaultKdfIsTheEipsScrypt()
    {
        var k = KeystoreKdf.Scrypt();
        Assert.Equal((262144, 8, 1, 32, 32), (k.N, k.R, k.P, k.DkLen, k.Salt.Length));
    }

    [Fact]
    public void WrongPasswordSaysSoAndNamesTheFileOnly()
    {
        var ks = Keystore.Parse(Pbkdf2Vector, "/keys/k1.json");
        var e = Assert.Throws<ValidatorException>(() => ks.Decrypt("testpassword"));
        Assert.Equal("wrong password for keystore /keys/k1.json", e.Message);
        var unnamed = Keystore.Parse(Pbkdf2Vector);
        Assert.Equal("wrong password for keystore 0x" + Pubkey, Assert.Throws<ValidatorException>(() => unnamed.Decrypt("x")).Message);
    }

    [Fact]
    public void NamelessKeystoreIsNamedByPubkey()
    {
        var ks = Keystore.Encrypt(Convert.FromHexString(Secret), "pw", "", Convert.FromHexString(Pubkey), KeystoreKdf.Pbkdf2(1));
        var e = Assert.Throws<ValidatorException>(() => ks.Decrypt("other"));
        Assert.Equal("wrong password for keystore 0x" + Pubkey, e.Message);
    }

    [Theory]
    [InlineData("checksum")]
    [InlineData("cipher")]
    public void TamperedMessageFailsTheChecksum(string module)
    {
        string hex = module == "checksum" ? "8a9f5d9912ed7e75ea794bc5a89bca5f193721d30868ade6f73043c6ea6febf1" : "cee03fde2af33149775b7223e7845e4fb2c8ae1792e5f99fe9ecf474cc8c16ad";
        string tampered = hex[..10] + (hex[10] == '0' ? '1' : '0') + hex[11..];
        var ks = Keystore.Parse(Pbkdf2Vector.Replace(hex, tampered), "t.json");
        var e = Assert.Throws<ValidatorException>(() => ks.Decrypt(Password));
        Assert.Equal("wrong password for keystore t.json", e.Message);
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("", "not valid JSON")]
    public void CorruptJsonIsOneClearError(string json, string says)
    {
        var e = Assert.Throws<ValidatorException>(() => Keystore.Parse(json, "bad.json"));
        Assert.Equal($"keystore bad.json: {says}", e.Message);
    }

    public static IEnumerable<object[]> BadFields() =>
    [
        ["\"version\": 4", "\"version\": 3", "unsupported keystore version 3"],
        ["\"function\": \"pbkdf2\"", "\"function\": \"argon2\"", "unsupported kdf function 'argon2'"],
        ["\"prf\": \"hmac-sha256\"", "\"prf\": \"hmac-sha512\"", "unsupported pbkdf2 prf"],
        ["\"function\": \"aes-128-ctr\"", "\"function\": \"aes-128-gcm\"", "unsupported cipher function 'aes-128-gcm'"],
        ["\"function\": \"sha256\"", "\"function\": \"keccak\"", "unsupported checksum function"],
        ["\"iv\": \"264daa3f303d7259501c93d997d84fe6\"", "\"iv\": \"264d\"", "iv is not 16 bytes"],
        ["\"iv\": \"264daa3f303d7259501c93d997d84fe6\"", "\"iv\": \"zz\"", "'iv' is not hex"],
        ["\"dklen\": 32", "\"dklen\": 16", "dklen 16"],
        ["\"c\": 262144", "\"c\": 0", "pbkdf2 c must be"],
        ["\"c\": 262144", "\"c\": \"many\"", "'c'"],
        ["\"uuid\": \"64625def-3331-4eea-ab6f-782f3ed16a83\"", "\"uuid\": \"nope\"", "uuid is not a UUID"],
        ["\"path\": \"m/12381/60/0/0\"", "\"path\": \"m/x\"", "key path"],
        ["\"pubkey\": \"9612", "\"pubkey\": \"12", "pubkey is not 48 bytes"],
        ["\"checksum\"", "\"checksun\"", "'checksum'"],
    ];

    [Theory, MemberData(nameof(BadFields))]
    public void BadOrUnsupportedFieldsAreNamed(string from, string to, string says)
    {
        string json = Pbkdf2Vector.Replace(from, to);
        Assert.NotEqual(Pbkdf2Vector, json);
        var e = Assert.Throws<ValidatorException>(() => Keystore.Parse(json, "f.json"));
        Assert.StartsWith("keystore f.json: ", e.Message);
        Assert.Contains(says, e.Message);
    }

    [Theory]
    [InlineData("\"n\": 262144", "\"n\": 1000", "power of 2")]
    [InlineData("\"n\": 262144", "\"n\": 1073741824", "1 GiB")]
    [InlineData("\"p\": 1", "\"p\": 0", "scrypt r")]
    public void BadScryptParametersAreRefusedBeforeWork(string from, string to, string says)
    {
        var e = Assert.Throws<ValidatorException>(() => Keystore.Parse(ScryptVector.Replace(from, to), "s.json"));
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void KeyThatDoesNotMatchItsPubkeyIsRefused()
    {
        using var other = Cirrus.Consensus.Genesis.InteropGenesis.SecretKey(1);
        var ks = Keystore.Encrypt(Convert.FromHexString(Secret), "pw", "", other.PublicKey.ToBytes(), KeystoreKdf.Pbkdf2(1));
        var e = Assert.Throws<ValidatorException>(() => ks.DecryptKey("pw"));
        Assert.Contains("does not match the public key", e.Message);
    }

    [Fact]
    public void AesCtrCarriesTheCounterAcrossBytes()
    {
        // NIST SP 800-38A F.5.1 (CTR-AES128.Encrypt), blocks 1 and 2: the counter's low byte wraps from ff to 00.
        byte[] key = Convert.FromHexString("2b7e151628aed2a6abf7158809cf4f3c");
        byte[] iv = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        byte[] pt = Convert.FromHexString("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
        Assert.Equal("874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff",
            Convert.ToHexStringLower(Keystore.AesCtr(key, iv, pt)));
    }
}
