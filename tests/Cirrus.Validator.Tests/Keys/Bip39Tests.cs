using System.Security.Cryptography;
using Cirrus.Validator.Keys;

namespace Cirrus.Validator.Tests.Keys;

public class Bip39Tests
{
    [Fact]
    public void WordListIsTheStandardEnglishList()
    {
        // sha256 of bip-0039/english.txt as published.
        Assert.Equal("2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda",
            Convert.ToHexStringLower(SHA256.HashData(Bip39.WordListFile)));
        Assert.Equal(2048, Bip39.WordList.Count);
        Assert.Equal("abandon", Bip39.WordList[0]);
        Assert.Equal("zoo", Bip39.WordList[2047]);
    }

    // From the Trezor reference vectors (passphrase "TREZOR").
    [Theory]
    [InlineData("00000000000000000000000000000000", "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04")]
    [InlineData("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f", "legal winner thank year wave sausage worth useful legal winner thank yellow",
        "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607")]
    [InlineData("ffffffffffffffffffffffffffffffff", "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
        "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069")]
    [InlineData("808080808080808080808080808080808080808080808080",
        "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter always",
        "107d7c02a5aa6f38c58083ff74f04c607c2d2c0ecc55501dadd72d025b751bc27fe913ffb796f841c49b1d33b610cf0e91d3aa239027f5e99fe4ce9e5088cd65")]
    [InlineData("8080808080808080808080808080808080808080808080808080808080808080",
        "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
        "c0c519bd0e91a2ed54357d9d1ebef6f5af218a153624cf4f2da911a0ed8f7a09e2ef61af0aca007096df430022f7a2b6fb91661a9589097069720d015e4e982f")]
    [InlineData("9e885d952ad362caeb4efe34a8e91bd2", "ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
        "274ddc525802f7c828d8ef7ddbcdc5304e87ac3535913611fbbfa986d0c9e5476c91689f9c8a54fd55bd38606aa6a8595ad213d4c9c9f9aca3fb217069a41028")]
    public void TrezorVectors(string entropy, string mnemonic, string seed)
    {
        Assert.Equal(mnemonic, Bip39.EntropyToMnemonic(Convert.FromHexString(entropy)));
        Assert.Equal(entropy, Convert.ToHexStringLower(Bip39.MnemonicToEntropy(mnemonic)));
        Assert.True(Bip39.IsValid(mnemonic));
        Assert.Equal(seed, Convert.ToHexStringLower(Bip39.MnemonicToSeed(mnemonic, "TREZOR")));
    }

    [Fact]
    public void WhitespaceAroundWordsDoesNotChangeTheSeed()
    {
        string m = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        Assert.Equal(Bip39.MnemonicToSeed(m, "TREZOR"), Bip39.MnemonicToSeed("  " + m.Replace(" ", " \t ") + "\n", "TREZOR"));
    }

    [Theory]
    [InlineData("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon", "checksum")]
    [InlineData("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandn", "word 12 is not in")]
    [InlineData("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "not 11")]
    [InlineData("", "not 0")]
    public void InvalidMnemonicsSayWhy(string mnemonic, string says)
    {
        var e = Assert.Throws<ValidatorException>(() => Bip39.MnemonicToEntropy(mnemonic));
        Assert.Contains(says, e.Message);
        Assert.DoesNotContain("abandn", e.Message);
        Assert.False(Bip39.IsValid(mnemonic));
    }

    [Fact]
    public void GeneratedMnemonicsAreValidAndDiffer()
    {
        string a = Bip39.Generate(), b = Bip39.Generate();
        Assert.Equal(24, a.Split(' ').Length);
        Assert.True(Bip39.IsValid(a));
        Assert.NotEqual(a, b);
        Assert.Equal(12, Bip39.Generate(12).Split(' ').Length);
        Assert.Throws<ValidatorException>(() => Bip39.Generate(13));
    }
}

public class UnicodeNfkdTests
{
    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("\u00e9", "e\u0301")]
    [InlineData("\ufb01", "fi")]
    [InlineData("\u00bd", "1\u20442")]
    [InlineData("\ud55c", "\u1112\u1161\u11ab")] // Hangul syllable, decomposed algorithmically
    [InlineData("\u1ead", "a\u0323\u0302")]
    [InlineData("a\u0302\u0323", "a\u0323\u0302")] // canonical reordering: class 220 before 230
    [InlineData("\U0001d531", "t")]
    [InlineData("\u2460", "1")]
    public void MatchesUnicodeNfkd(string input, string expected) => Assert.Equal(expected, UnicodeNfkd.Normalize(input));

    [Fact]
    public void LoneSurrogateIsRefused() => Assert.Throws<ArgumentException>(() => UnicodeNfkd.Normalize("a\ud800"));
}
