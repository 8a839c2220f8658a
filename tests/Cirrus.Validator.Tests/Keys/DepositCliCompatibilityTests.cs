using Cirrus.Consensus.Config;
using Cirrus.Validator.Keys;

namespace Cirrus.Validator.Tests.Keys;

/// <summary>Files written by the official eth2.0-deposit-cli (published as test fixtures elsewhere), read and checked here.</summary>
public class DepositCliCompatibilityTests
{
    // deposit-cli, mnemonic "abandon ×11 about", no passphrase, keystore password "12345678": validator 0's keystore.
    private const string Keystore0 = """
    {"crypto": {"kdf": {"function": "scrypt", "params": {"dklen": 32, "n": 262144, "r": 8, "p": 1,
        "salt": "302fac15d80c9ade57047ff2cc3818d742800c8845f2057df243806da7b7bda5"}, "message": ""},
      "checksum": {"function": "sha256", "params": {}, "message": "5f5d35ae7792ce89d9b790e232eec4e7b6a81234af04afdbbf1dae66775fc7e2"},
      "cipher": {"function": "aes-128-ctr", "params": {"iv": "f93ea11ad33c9a4fe9f47735536356d6"},
        "message": "c3e9873defb6a12703c9a635612bd7da1ff012c2d956247ac8d91187085d5e25"}},
     "pubkey": "b3e445d43871965d890a398f719348a1405ac72e35b92727cc570026f54471af7ea7b2040622a8fd0b5bfb2a209b5911",
     "path": "m/12381/3600/0/0/0", "uuid": "a5258d8e-434c-4c12-b18e-feb81b261ef2", "version": 4}
    """;

    [Fact]
    public void MnemonicDerivesTheSameSigningKeyAsDepositCli()
    {
        byte[] seed = Bip39.MnemonicToSeed("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        using var key = KeyDerivation.DeriveKeyAtPath(seed, KeyPath.Signing(0));
        Assert.Equal("0xb3e445d43871965d890a398f719348a1405ac72e35b92727cc570026f54471af7ea7b2040622a8fd0b5bfb2a209b5911", key.PublicKey.ToString());

        var ks = Keystore.Parse(Keystore0, "keystore-m_12381_3600_0_0_0.json");
        using var decrypted = ks.DecryptKey("12345678");
        Assert.Equal(key.ToBytes(), decrypted.ToBytes());
    }

    [Fact]
    public void MainnetDepositFromDepositCliVerifies()
    {
        // A mainnet deposit_data entry written by deposit-cli 2.7.0 (it spells the network "network_name").
        const string json = """
        [{"pubkey": "8875f916f940a993e88e116de5033b1353fe8f2a065e49be97bad2cd369d20ba3f011b35efbf0a14e06230d50390b84c",
          "withdrawal_credentials": "009e4ac03e63b5a156a070df958a71f4d05e3e4f2d937e0eb29979964704314a",
          "amount": 32000000000,
          "signature": "8bbe0782ceb6770bfcfcc079f6cdd617acb20c48d05f66dad6a42e5874c97f896e1636125e8cf65d2270ff7081f61f120e907fd8fa860f20853d4cf3f8a5d67be3a3d224235f8c8a6a41d55ef4b3862bf14f675f95bd806eb5ef683987975b40",
          "deposit_message_root": "f648363f8ba1f8583b1dbcb3379784309e79076e3ea02b2d89da33e798d77e64",
          "deposit_data_root": "f2e299494179dba10ca33416de9f1845df5ae32c933756214b22c3a925cdd707",
          "fork_version": "00000000", "network_name": "mainnet", "deposit_cli_version": "2.7.0"}]
        """;
        var e = Assert.Single(DepositDataFile.Parse(json));
        Assert.Equal("mainnet", e.NetworkName);
        Assert.True(DepositDataFile.Verify(ChainConfig.Mainnet, e));
        // Our own serialisation of it reads back the same.
        var again = Assert.Single(DepositDataFile.Parse(DepositDataFile.ToJson([e])));
        Assert.Equal(e.DepositDataRoot, again.DepositDataRoot);
        Assert.True(DepositDataFile.Verify(ChainConfig.Mainnet, again));
    }
}
