using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;
using Cirrus.Validator.Keys;

namespace Cirrus.Validator.Tests.Keys;

public class DepositDataTests
{
    private static readonly ChainConfig C = ChainConfig.Minimal;

    private static DepositEntry Make(ChainConfig c, ulong index, out Bytes32 credentials)
    {
        using var signing = InteropGenesis.SecretKey(index);
        using var withdrawal = InteropGenesis.SecretKey(index + 1000);
        credentials = DepositDataFile.BlsWithdrawalCredentials(c, withdrawal.PublicKey.ToBytes());
        return DepositDataFile.Create(c, signing, credentials, c.MaxEffectiveBalance, "minimal");
    }

    /// <summary>Runs the deposits through the spec's initialize_beacon_state_from_eth1 (which verifies each signature).</summary>
    private static BeaconState Genesis(ChainConfig c, params DepositData[] datas)
    {
        var tree = new DepositTree();
        var deposits = datas.Select(d => new Deposit { Proof = tree.PushWithProof(c.Schema.HashTreeRoot(d)), Data = d }).ToList();
        return Eth1Genesis.InitializeBeaconStateFromEth1(c, default, 0, deposits, new BlsSignatureVerifier());
    }

    [Fact]
    public void WithdrawalCredentialsArePrefixAndHashTail()
    {
        using var w = InteropGenesis.SecretKey(3);
        byte[] pk = w.PublicKey.ToBytes();
        var cred = DepositDataFile.BlsWithdrawalCredentials(C, pk);
        byte[] h = System.Security.Cryptography.SHA256.HashData(pk);
        Assert.Equal(0, cred.AsSpan()[0]);
        Assert.Equal(h[1..], cred.AsSpan()[1..].ToArray());
    }

    [Fact]
    public void DepositPassesTheSpecsDepositVerification()
    {
        var e = Make(C, 5, out var cred);
        Assert.Equal(32_000_000_000UL, e.Data.Amount);
        Assert.Equal(cred, e.Data.WithdrawalCredentials);
        Assert.True(DepositDataFile.Verify(C, e));
        var state = Genesis(C, e.Data);
        Assert.Single(state.Validators);
        Assert.Equal(e.Data.Pubkey, state.Validators[0].Pubkey);
        Assert.Equal(cred, state.Validators[0].WithdrawalCredentials);
    }

    [Fact]
    public void BadSignatureIsIgnoredByTheSpec()
    {
        var good = Make(C, 6, out _);
        var other = Make(C, 7, out _);
        var forged = new DepositData { Pubkey = good.Data.Pubkey, WithdrawalCredentials = good.Data.WithdrawalCredentials, Amount = good.Data.Amount, Signature = other.Data.Signature };
        Assert.Empty(Genesis(C, forged).Validators);
        var forgedEntry = good with { Data = forged, DepositDataRoot = C.Schema.HashTreeRoot(forged) };
        Assert.False(DepositDataFile.Verify(C, forgedEntry));
    }

    [Fact]
    public void SignedForAnotherForkVersionFailsHere()
    {
        var zinken = Networks.Builtin("zinken")!.Config;
        Assert.NotEqual(C.GenesisForkVersion, zinken.GenesisForkVersion);
        var e = Make(zinken, 8, out _);
        Assert.True(DepositDataFile.Verify(zinken, e));
        Assert.Equal(zinken.GenesisForkVersion, e.ForkVersion);
        Assert.False(DepositDataFile.Verify(C, e with { ForkVersion = C.GenesisForkVersion }));
        Assert.Empty(Genesis(C, e.Data).Validators);
    }

    [Fact]
    public void JsonHasTheDepositCliShapeAndRoundTrips()
    {
        var e1 = Make(C, 1, out _);
        var e2 = Make(C, 2, out _);
        string json = DepositDataFile.ToJson([e1, e2]);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var o = doc.RootElement[0];
        Assert.Equal(["pubkey", "withdrawal_credentials", "amount", "signature", "deposit_message_root", "deposit_data_root", "fork_version",
            "eth2_network_name", "deposit_cli_version"], o.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(Convert.ToHexStringLower(e1.Data.Pubkey.AsSpan()), o.GetProperty("pubkey").GetString());
        Assert.Equal(32000000000UL, o.GetProperty("amount").GetUInt64());
        Assert.Equal("00000001", o.GetProperty("fork_version").GetString()); // minimal's GENESIS_FORK_VERSION
        Assert.DoesNotContain("0x", json);

        var back = DepositDataFile.Parse(json);
        Assert.Equal(2, back.Count);
        foreach (var (orig, read) in new[] { e1, e2 }.Zip(back))
        {
            Assert.Equal(orig.DepositDataRoot, read.DepositDataRoot);
            Assert.Equal(C.Schema.HashTreeRoot(read.Data), read.DepositDataRoot);
            Assert.Equal(C.Schema.HashTreeRoot(new DepositMessage { Pubkey = read.Data.Pubkey, WithdrawalCredentials = read.Data.WithdrawalCredentials, Amount = read.Data.Amount }),
                read.DepositMessageRoot);
            Assert.True(DepositDataFile.Verify(C, read));
        }
    }

    [Theory]
    [InlineData("{}", "not a JSON array")]
    [InlineData("[1]", "not an object")]
    [InlineData("[{\"amount\": 1}]", "missing field 'pubkey'")]
    [InlineData("nope", "not valid JSON")]
    public void BadDepositDataIsOneClearError(string json, string says)
    {
        var e = Assert.Throws<ValidatorException>(() => DepositDataFile.Parse(json));
        Assert.Contains(says, e.Message);
    }

    [Fact]
    public void AmountBelowMinimumIsRefused()
    {
        using var k = InteropGenesis.SecretKey(1);
        Assert.Throws<ValidatorException>(() => DepositDataFile.Create(C, k, default, 1));
    }
}
