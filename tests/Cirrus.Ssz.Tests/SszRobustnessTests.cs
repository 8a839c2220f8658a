using Cirrus.Ssz;

namespace Cirrus.Ssz.Tests;

public sealed class Inner
{
    public ulong A { get; set; }
    [SszList(16)] public List<ushort> B { get; set; } = [];
    [SszList(9)] public Bitlist C { get; set; } = new(0);
}

public sealed class Outer
{
    public bool Flag { get; set; }
    public Bytes32 Root { get; set; }
    [SszList(8)] public List<Inner> Items { get; set; } = [];
    [SszVector(3)] public Inner[] Fixed { get; set; } = [];
    [SszVector(12)] public Bitvector Bits { get; set; } = new(12);
    [SszList(40)] public List<Bytes48> Keys { get; set; } = [];
    public UInt256 Big { get; set; }
}

public class SszRobustnessTests
{
    private static readonly SszSchema Schema = new(_ => null);

    private static Outer Sample(Random rng)
    {
        var schema = Schema.Get<Outer>();
        var o = schema.Default();
        o.Flag = rng.Next(2) == 1;
        var root = new byte[32];
        rng.NextBytes(root);
        o.Root = Bytes32.FromSpan(root);
        for (int i = 0, n = rng.Next(9); i < n; i++) o.Items.Add(RandomInner(rng));
        for (int i = 0; i < 3; i++) o.Fixed[i] = RandomInner(rng);
        for (int i = 0; i < 12; i++) o.Bits[i] = rng.Next(2) == 1;
        for (int i = 0, n = rng.Next(5); i < n; i++)
        {
            var k = new byte[48];
            rng.NextBytes(k);
            o.Keys.Add(Bytes48.FromSpan(k));
        }
        o.Big = new UInt256((ulong)rng.NextInt64(), 7, 0, (ulong)rng.NextInt64());
        return o;
    }

    private static Inner RandomInner(Random rng)
    {
        var x = new Inner { A = (ulong)rng.NextInt64() };
        for (int i = 0, n = rng.Next(17); i < n; i++) x.B.Add((ushort)rng.Next(65536));
        x.C = new Bitlist(rng.Next(10));
        for (int i = 0; i < x.C.Count; i++) x.C[i] = rng.Next(2) == 1;
        return x;
    }

    [Fact]
    public void RoundTripsRandomValues()
    {
        var rng = new Random(1);
        var t = Schema.Get<Outer>();
        for (int i = 0; i < 500; i++)
        {
            var o = Sample(rng);
            byte[] bytes = t.Serialize(o);
            var back = t.Deserialize(bytes);
            Assert.Equal(bytes, t.Serialize(back));
            Assert.Equal(t.HashTreeRoot(o), t.HashTreeRoot(back));
            Assert.Equal(t.HashTreeRoot(o), t.HashTreeRoot(t.Copy(o)));
            Assert.Equal(bytes, t.Serialize(t.FromJson(t.ToJson(o))));
        }
    }

    /// <summary>Thousands of mutated encodings: decoding either succeeds (and re-encodes canonically) or throws SszException.</summary>
    [Fact]
    public void MutatedEncodingsOnlyThrowSszException()
    {
        var rng = new Random(2);
        var t = Schema.Get<Outer>();
        int rejected = 0, accepted = 0;
        for (int i = 0; i < 20000; i++)
        {
            byte[] bytes = t.Serialize(Sample(rng));
            byte[] mutated = Mutate(bytes, rng);
            try
            {
                var v = t.Deserialize(mutated);
                // Anything accepted must be canonical: re-encoding gives the same bytes.
                Assert.Equal(mutated, t.Serialize(v));
                t.HashTreeRoot(v);
                accepted++;
            }
            catch (SszException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 1000, $"only {rejected} mutations were rejected");
        Assert.True(accepted > 100, $"only {accepted} mutations were accepted");
    }

    [Fact]
    public void RandomBytesOnlyThrowSszException()
    {
        var rng = new Random(3);
        var t = Schema.Get<Outer>();
        for (int i = 0; i < 5000; i++)
        {
            var b = new byte[rng.Next(0, 600)];
            rng.NextBytes(b);
            try { Assert.Equal(b, t.Serialize(t.Deserialize(b))); }
            catch (SszException) { }
        }
    }

    private static byte[] Mutate(byte[] src, Random rng)
    {
        var b = new List<byte>(src);
        int edits = rng.Next(1, 4);
        for (int e = 0; e < edits; e++)
        {
            switch (rng.Next(6))
            {
                case 0 when b.Count > 0: b[rng.Next(b.Count)] ^= (byte)(1 << rng.Next(8)); break;
                case 1 when b.Count > 0: b[rng.Next(b.Count)] = (byte)rng.Next(256); break;
                case 2 when b.Count > 0: b.RemoveRange(rng.Next(b.Count), 1); break;
                case 3: b.Insert(rng.Next(b.Count + 1), (byte)rng.Next(256)); break;
                case 4 when b.Count > 0: { int cut = rng.Next(b.Count); b.RemoveRange(cut, b.Count - cut); break; }
                case 5 when b.Count >= 4:
                    // Smash an offset-sized word with a boundary value.
                    int at = rng.Next(b.Count - 3);
                    uint v = rng.Next(4) switch { 0 => 0, 1 => uint.MaxValue, 2 => (uint)b.Count, _ => (uint)rng.Next(b.Count + 8) };
                    for (int k = 0; k < 4; k++) b[at + k] = (byte)(v >> (8 * k));
                    break;
            }
        }
        return b.ToArray();
    }

    [Fact]
    public void RejectsEachMalformedClass()
    {
        var t = Schema.Get<Outer>();
        byte[] good = t.Serialize(Sample(new Random(4)));
        // trailing byte
        Assert.Throws<SszException>(() => t.Deserialize([.. good, 0]));
        // truncated
        Assert.Throws<SszException>(() => t.Deserialize(good[..^1]));
        // empty
        Assert.Throws<SszException>(() => t.Deserialize([]));
        // boolean not 0/1
        var badBool = (byte[])good.Clone();
        badBool[0] = 2;
        Assert.Contains("boolean", Assert.Throws<SszException>(() => t.Deserialize(badBool)).Message);
        // first offset not equal to the fixed part size
        var badOffset = (byte[])good.Clone();
        badOffset[33]++;
        Assert.Throws<SszException>(() => t.Deserialize(badOffset));
        // bitlist without delimiter
        var bl = new BitlistType(9);
        Assert.Throws<SszException>(() => bl.Deserialize([0x00]));
        Assert.Throws<SszException>(() => bl.Deserialize([]));
        // bitlist over its limit
        Assert.Throws<SszException>(() => bl.Deserialize([0xff, 0xff]));
        // bitvector with bits past its length
        Assert.Throws<SszException>(() => new BitvectorType(12).Deserialize([0xff, 0x1f]));
        // list over its limit
        var lt = new ListType<ulong>(SszSchema.UInt64, 2);
        Assert.Throws<SszException>(() => lt.Deserialize(new byte[24]));
        Assert.Throws<SszException>(() => lt.Deserialize(new byte[7]));
    }

    [Fact]
    public void HashesMatchHandComputedMerkleization()
    {
        // List[uint64, 4] of [1, 2]: chunk = 01..02.. padded; limit 1 chunk; mixed in length 2.
        var lt = new ListType<ulong>(SszSchema.UInt64, 4);
        var chunk = new byte[32];
        chunk[0] = 1;
        chunk[8] = 2;
        var len = new byte[32];
        len[0] = 2;
        byte[] expected = System.Security.Cryptography.SHA256.HashData([.. chunk, .. len]);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(lt.HashTreeRoot([1UL, 2UL]).AsSpan()));
        // Empty list of 2^40 limit: zero hash at depth 38 (limit*8/32 chunks) mixed with 0.
        var big = new ListType<ulong>(SszSchema.UInt64, 1UL << 40);
        byte[] expectedEmpty = System.Security.Cryptography.SHA256.HashData([.. Merkle.ZeroHash(38), .. new byte[32]]);
        Assert.Equal(Convert.ToHexString(expectedEmpty), Convert.ToHexString(big.HashTreeRoot([]).AsSpan()));
    }

    [Fact]
    public void MerkleBranchesVerify()
    {
        var rng = new Random(5);
        var chunks = new byte[13 * 32];
        rng.NextBytes(chunks);
        var root = new byte[32];
        Merkle.Merkleize(chunks, 32, root);
        for (ulong i = 0; i < 13; i++)
        {
            var proof = Merkle.Branch(chunks, 5, i);
            var leaf = Bytes32.FromSpan(chunks.AsSpan((int)i * 32, 32));
            Assert.True(Merkle.IsValidMerkleBranch(leaf, proof, 5, i, Bytes32.FromSpan(root)));
            Assert.False(Merkle.IsValidMerkleBranch(leaf, proof, 5, i ^ 1, Bytes32.FromSpan(root)));
            Assert.True(Merkle.IsValidMerkleBranchAtGeneralizedIndex(leaf, proof, 32 + i, Bytes32.FromSpan(root)));
        }
    }
}
