using Cirrus.Ssz;

namespace Cirrus.Ssz.Tests;

public sealed class Item
{
    public Bytes48 Key { get; set; }
    public ulong Balance { get; set; }
    public bool Flag { get; set; }
    public ulong Epoch { get; set; }
}

public sealed class Big
{
    [SszList(1 << 20)] public List<Item> Items { get; set; } = [];
    [SszList(1 << 24)] public List<ulong> Balances { get; set; } = [];
    [SszVector(1024)] public Bytes32[] Mixes { get; set; } = [];
    [SszList(4096)] public List<Bytes32> Roots { get; set; } = [];
}

/// <summary>Cached roots (layers kept between hashes, carried by copies) always equal fresh roots.</summary>
public class TreeCacheTests
{
    private static readonly SszSchema Schema = new(_ => null);

    private static Bytes32 Fresh(Big b)
    {
        var t = Schema.Get<Big>();
        return t.HashTreeRoot(t.Deserialize(t.Serialize(b)));
    }

    private static Bytes32 RandomBytes32(Random rng)
    {
        var x = new byte[32];
        rng.NextBytes(x);
        return Bytes32.FromSpan(x);
    }

    private static void Mutate(Big b, Random rng)
    {
        switch (rng.Next(9))
        {
            case 0 when b.Items.Count > 0: b.Items[rng.Next(b.Items.Count)].Balance = (ulong)rng.NextInt64(); break;
            case 1 when b.Items.Count > 0: b.Items[rng.Next(b.Items.Count)].Flag ^= true; break;
            case 2:
                for (int k = rng.Next(1, 40); k > 0; k--)
                    b.Items.Add(new Item { Balance = (ulong)rng.Next(), Epoch = (ulong)rng.Next(), Key = default });
                break;
            case 3 when b.Items.Count > 10: b.Items.RemoveRange(b.Items.Count - rng.Next(1, 10), 1); break;
            case 4 when b.Balances.Count > 0:
                for (int k = rng.Next(1, 50); k > 0; k--) b.Balances[rng.Next(b.Balances.Count)] = (ulong)rng.NextInt64();
                break;
            case 5: for (int k = rng.Next(1, 300); k > 0; k--) b.Balances.Add((ulong)rng.Next()); break;
            case 6: b.Mixes[rng.Next(b.Mixes.Length)] = RandomBytes32(rng); break;
            case 7: b.Roots.Add(RandomBytes32(rng)); break;
            case 8 when b.Balances.Count > 5: b.Balances.RemoveRange(0, rng.Next(1, 5)); break;
        }
    }

    [Fact]
    public void CachedRootsEqualFreshRootsUnderRandomMutations()
    {
        var rng = new Random(21);
        var t = Schema.Get<Big>();
        var a = t.Default();
        for (int i = 0; i < 700; i++) a.Items.Add(new Item { Balance = (ulong)i, Epoch = (ulong)(i * 3) });
        for (int i = 0; i < 3000; i++) a.Balances.Add((ulong)i * 7);
        for (int i = 0; i < 200; i++) a.Roots.Add(RandomBytes32(rng));
        Assert.Equal(Fresh(a), t.HashTreeRoot(a));
        Big b = a;
        for (int step = 0; step < 300; step++)
        {
            for (int k = rng.Next(1, 4); k > 0; k--) Mutate(b, rng);
            if (step % 25 == 0)
            {
                // A copy takes the cache along; both must then diverge independently.
                var copy = t.Copy(b);
                Mutate(copy, rng);
                Assert.Equal(Fresh(copy), t.HashTreeRoot(copy));
                Assert.Equal(Fresh(b), t.HashTreeRoot(b));
                b = copy;
            }
            Assert.Equal(Fresh(b), t.HashTreeRoot(b));
        }
    }
}
