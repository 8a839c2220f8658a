using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Tests;

public class PubkeyCacheTests
{
    [Fact]
    public void Warming_and_prefetching_decode_keys_like_one_by_one_lookups_and_mark_bad_keys()
    {
        var validators = new List<Validator>();
        for (int i = 0; i < 300; i++)
        {
            using var sk = BlsSecretKey.FromBytes(InteropGenesis.SecretKeyBytes((ulong)(i % 40)));
            byte[] pk = sk.PublicKey.ToBytes();
            if (i % 37 == 5) pk[47] ^= 1;          // usually not on the curve
            if (i % 53 == 7) { pk = new byte[48]; pk[0] = 0xc0; } // infinity: not a valid key
            validators.Add(new Validator { Pubkey = Bytes48.FromSpan(pk) });
        }
        var warmed = new ValidatorPubkeyCache();
        warmed.Warm(validators);
        var prefetched = new ValidatorPubkeyCache();
        prefetched.Prefetch(validators, Enumerable.Range(0, validators.Count).Where(i => i % 3 != 0).Select(i => (ulong)i).Append(5000UL));
        var cold = new ValidatorPubkeyCache();
        int valid = 0;
        for (int i = 0; i < validators.Count; i++)
        {
            BlsPublicKey? a = warmed.Get(validators, (ulong)i), b = cold.Get(validators, (ulong)i);
            Assert.Equal(b is null, a is null);
            BlsPublicKey? c = prefetched.Get(validators, (ulong)i);
            Assert.Equal(b is null, c is null);
            if (c is not null) Assert.Equal(b!.ToBytes(), c.ToBytes());
            if (a is null) continue;
            Assert.Equal(b!.ToBytes(), a.ToBytes());
            valid++;
        }
        Assert.InRange(valid, 280, 295);
    }
}
