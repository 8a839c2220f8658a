using System.Numerics;
using Cirrus.Validator.Keys;

namespace Cirrus.Validator.Tests.Keys;

/// <summary>EIP-2333's test cases.</summary>
public class KeyDerivationTests
{
    private static string Dec(byte[] be) => new BigInteger(be, isUnsigned: true, isBigEndian: true).ToString();

    [Theory]
    [InlineData("c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
        "6083874454709270928345386274498605044986640685124978867557563392430687146096", 0u,
        "20397789859736650942317412262472558107875392172444076792671091975210932703118")]
    [InlineData("3141592653589793238462643383279502884197169399375105820974944592",
        "29757020647961307431480504535336562678282505419141012933316116377660817309383", 3141592653u,
        "25457201688850691947727629385191704516744796114925897962676248250929345014287")]
    [InlineData("0099FF991111002299DD7744EE3355BBDD8844115566CC55663355668888CC00",
        "27580842291869792442942448775674722299803720648445448686099262467207037398656", 4294967295u,
        "29358610794459428860402234341874281240803786294062035874021252734817515685787")]
    [InlineData("d4e56740f876aef8c010b86a40d5f56745a118d0906a34e69aec8c0db1cb8fa3",
        "19022158461524446591288038168518313374041767046816487870552872741050760015818", 42u,
        "31372231650479070279774297061823572166496564838472787488249775572789064611981")]
    public void EipTestCases(string seed, string masterSk, uint index, string childSk)
    {
        byte[] master = KeyDerivation.DeriveMasterSk(Convert.FromHexString(seed));
        Assert.Equal(masterSk, Dec(master));
        Assert.Equal(childSk, Dec(KeyDerivation.DeriveChildSk(master, index)));
    }

    [Fact]
    public void IntermediateCompressedLamportPk()
    {
        byte[] master = KeyDerivation.ToBytes32(BigInteger.Parse("6083874454709270928345386274498605044986640685124978867557563392430687146096"));
        Assert.Equal("dd635d27d1d52b9a49df9e5c0c622360a4dd17cba7db4e89bce3cb048fb721a5",
            Convert.ToHexStringLower(KeyDerivation.ParentSkToLamportPk(master, 0)));
        // lamport_0[0] of the intermediate vector.
        Assert.Equal("e345d0ad7be270737de05cf036f688f385d5f99c7fddb054837658bdd2ebd519",
            Convert.ToHexStringLower(KeyDerivation.IkmToLamportSk(master, new byte[4]).AsSpan(0, 32)));
    }

    [Fact]
    public void MnemonicToChildKeyStack()
    {
        // Test case 0's seed is the BIP-39 seed of this mnemonic with passphrase "TREZOR".
        byte[] seed = Bip39.MnemonicToSeed("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "TREZOR");
        Assert.Equal("c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
            Convert.ToHexStringLower(seed));
        Assert.Equal("20397789859736650942317412262472558107875392172444076792671091975210932703118",
            Dec(KeyDerivation.DeriveSkAtPath(seed, "m/0")));
    }

    [Fact]
    public void PathDerivationChainsChildren()
    {
        byte[] seed = Convert.FromHexString("3141592653589793238462643383279502884197169399375105820974944592");
        byte[] m = KeyDerivation.DeriveMasterSk(seed);
        byte[] expected = KeyDerivation.DeriveChildSk(KeyDerivation.DeriveChildSk(KeyDerivation.DeriveChildSk(m, 12381), 3600), 5);
        Assert.Equal(expected, KeyDerivation.DeriveSkAtPath(seed, "m/12381/3600/5"));
        Assert.Equal(m, KeyDerivation.DeriveSkAtPath(seed, "m"));
        using var key = KeyDerivation.DeriveKeyAtPath(seed, "m/12381/3600/5");
        Assert.Equal(expected, key.ToBytes());
    }

    [Fact]
    public void ShortSeedIsRefused() =>
        Assert.Throws<ValidatorException>(() => KeyDerivation.DeriveMasterSk(new byte[31]));
}

public class KeyPathTests
{
    [Fact]
    public void Eip2334Paths()
    {
        Assert.Equal("m/12381/3600/3/0/0", KeyPath.Signing(3));
        Assert.Equal("m/12381/3600/3/0", KeyPath.Withdrawal(3));
        Assert.Equal([12381u, 3600u, 3u, 0u, 0u], KeyPath.Parse("m/12381/3600/3/0/0"));
        Assert.Empty(KeyPath.Parse("m"));
        Assert.Equal(4294967295u, KeyPath.Parse("m/4294967295")[0]);
        Assert.Equal(3u, KeyPath.SigningIndex("m/12381/3600/3/0/0"));
        Assert.Null(KeyPath.SigningIndex("m/12381/3600/3/0"));
        Assert.Null(KeyPath.SigningIndex("m/12381/60/3/0/0"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("x/1")]
    [InlineData("m/")]
    [InlineData("m//1")]
    [InlineData("m/4294967296")]
    [InlineData("m/-1")]
    [InlineData("m/+1")]
    [InlineData("m/1'")]
    [InlineData("m/ 1")]
    [InlineData("m/01")]
    [InlineData("M/1")]
    public void BadPathsAreRefused(string path)
    {
        var e = Assert.Throws<ValidatorException>(() => KeyPath.Parse(path));
        Assert.Contains("key path", e.Message);
    }
}
