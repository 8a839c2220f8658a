using System.Numerics;
using System.Security.Cryptography;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Genesis;

/// <summary>
/// The interop "mocked start" (eth2.0-pm interop/mocked_start): deterministic validator keys and a
/// genesis state built from their deposits, so a devnet can start from N known validators.
/// </summary>
public static class InteropGenesis
{
    /// <summary>The BLS12-381 group order r.</summary>
    public static readonly BigInteger CurveOrder =
        BigInteger.Parse("52435875175126190479447740508185965837690552500527637822603658699938581184513");

    /// <summary>Secret key i: int.from_bytes(sha256(i as 32-byte little-endian), 'little') % r, as 32 big-endian bytes.</summary>
    public static byte[] SecretKeyBytes(ulong index)
    {
        Span<byte> le = stackalloc byte[32];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(le, index);
        var hash = SHA256.HashData(le);
        var sk = new BigInteger(hash, isUnsigned: true, isBigEndian: false) % CurveOrder;
        var be = sk.ToByteArray(isUnsigned: true, isBigEndian: true);
        var result = new byte[32];
        be.CopyTo(result, 32 - be.Length);
        return result;
    }

    public static BlsSecretKey SecretKey(ulong index) => BlsSecretKey.FromBytes(SecretKeyBytes(index));

    /// <summary>The interop deposits: BLS withdrawal credentials, MAX_EFFECTIVE_BALANCE each, proofs against the growing tree.</summary>
    public static List<Deposit> Deposits(ChainConfig c, int count)
    {
        var datas = new DepositData[count];
        var domain = Misc.ComputeDomain(c, c.DomainDeposit);
        Parallel.For(0, count, i =>
        {
            using var sk = SecretKey((ulong)i);
            var pubkey = Bytes48.FromSpan(sk.PublicKey.ToBytes());
            Bytes32 credentials = MathHelpers.Hash(pubkey.AsSpan());
            credentials.AsWritableSpan()[0] = c.BlsWithdrawalPrefix;
            var message = new DepositMessage { Pubkey = pubkey, WithdrawalCredentials = credentials, Amount = c.MaxEffectiveBalance };
            var root = Misc.ComputeSigningRoot(c, message, domain);
            datas[i] = new DepositData
            {
                Pubkey = pubkey,
                WithdrawalCredentials = credentials,
                Amount = c.MaxEffectiveBalance,
                Signature = Bytes96.FromSpan(sk.Sign(root.AsSpan()).ToBytes()),
            };
        });
        var tree = new DepositTree();
        var deposits = new List<Deposit>(count);
        foreach (var data in datas)
        {
            var proof = tree.PushWithProof(c.Schema.HashTreeRoot(data));
            deposits.Add(new Deposit { Proof = proof, Data = data });
        }
        return deposits;
    }

    /// <summary>
    /// The interop genesis state: initialize_beacon_state_from_eth1(0x42 * 32, 2**40, deposits) with
    /// genesis_time then set to <paramref name="genesisTime"/>.
    /// </summary>
    public static BeaconState CreateGenesisState(ChainConfig c, int validatorCount, ulong genesisTime, ISignatureVerifier? verifier = null)
    {
        Bytes32 eth1BlockHash = default;
        eth1BlockHash.AsWritableSpan().Fill(0x42);
        var state = Eth1Genesis.InitializeBeaconStateFromEth1(c, eth1BlockHash, 1UL << 40, Deposits(c, validatorCount), verifier);
        state.GenesisTime = genesisTime;
        return state;
    }
}
