using Cirrus.Consensus.Helpers;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Tests;

public class ShufflingTests
{
    [Fact]
    public void WholeListShuffleAgreesWithComputeShuffledIndex()
    {
        var rng = new Random(3);
        var seedBytes = new byte[32];
        foreach (int n in new[] { 1, 2, 3, 5, 8, 31, 255, 256, 257, 511, 1000, 1025 })
        {
            rng.NextBytes(seedBytes);
            var seed = Bytes32.FromSpan(seedBytes);
            foreach (int rounds in new[] { 0, 1, 10, 90 })
            {
                var list = new int[n];
                for (int i = 0; i < n; i++) list[i] = 1000 + i;
                Shuffling.ShuffleList(list, seed, rounds);
                for (int i = 0; i < n; i++)
                    Assert.Equal(1000 + (int)Shuffling.ComputeShuffledIndex((ulong)i, (ulong)n, seed, rounds), list[i]);
            }
        }
    }

    [Fact]
    public void ALongListShuffledOnTwoCoresAgreesWithComputeShuffledIndex()
    {
        const int n = 140_000; // above the length from which both halves of each round run in parallel
        var seedBytes = new byte[32];
        new Random(5).NextBytes(seedBytes);
        var seed = Bytes32.FromSpan(seedBytes);
        var list = new int[n];
        for (int i = 0; i < n; i++) list[i] = i;
        Shuffling.ShuffleList(list, seed, 90);
        Assert.Equal(n, list.Distinct().Count());
        var rng = new Random(6);
        for (int k = 0; k < 1500; k++)
        {
            int i = k < 4 ? new[] { 0, 1, n - 2, n - 1 }[k] : rng.Next(n);
            Assert.Equal((int)Shuffling.ComputeShuffledIndex((ulong)i, n, seed, 90), list[i]);
        }
    }

    [Fact]
    public void ShuffledIndexRejectsIndexOutOfRange() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Shuffling.ComputeShuffledIndex(5, 5, default, 10));

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]
    [InlineData(15UL, 3UL)]
    [InlineData(16UL, 4UL)]
    [InlineData(ulong.MaxValue, 4294967295UL)]
    [InlineData(ulong.MaxValue - 1, 4294967295UL)]
    [InlineData(18446744065119617025UL, 4294967295UL)]
    [InlineData(18446744065119617024UL, 4294967294UL)]
    public void IntegerSquareRoot(ulong n, ulong expected) => Assert.Equal(expected, MathHelpers.IntegerSquareRoot(n));
}
