using System.Security.Cryptography;

namespace Cirrus.Ssz.Tests;

public class Sha256BatchTests
{
    [Theory]
    [InlineData(Sha256Batch.Path.Scalar)]
    [InlineData(Sha256Batch.Path.Avx2)]
    [InlineData(Sha256Batch.Path.Avx512)]
    public void EveryPathMatchesTheFrameworkSha256(Sha256Batch.Path path)
    {
        var rng = new Random(9);
        lock (typeof(Sha256Batch))
        {
            var before = Sha256Batch.Force;
            Sha256Batch.Force = path;
            try
            {
                foreach (int n in new[] { 0, 1, 7, 8, 15, 16, 17, 33, 100 })
                {
                    var input = new byte[n * 64];
                    rng.NextBytes(input);
                    var output = new byte[n * 32];
                    Sha256Batch.Hash64(input, output);
                    for (int i = 0; i < n; i++)
                        Assert.Equal(SHA256.HashData(input.AsSpan(i * 64, 64)), output.AsSpan(i * 32, 32).ToArray());
                    // In place: output over the front of the input, as merkleization does.
                    var inplace = (byte[])input.Clone();
                    Sha256Batch.Hash64(inplace, inplace);
                    Assert.Equal(output, inplace.AsSpan(0, n * 32).ToArray());
                }
            }
            finally { Sha256Batch.Force = before; }
        }
    }

    [Theory]
    [InlineData(Sha256Batch.Path.Scalar)]
    [InlineData(Sha256Batch.Path.Avx2)]
    [InlineData(Sha256Batch.Path.Avx512)]
    public void SingleBlockMessagesOfEveryLengthMatchTheFrameworkSha256(Sha256Batch.Path path)
    {
        var rng = new Random(11);
        lock (typeof(Sha256Batch))
        {
            var before = Sha256Batch.Force;
            Sha256Batch.Force = path;
            try
            {
                // 56 messages, one per length 0..55, padded into their single blocks and hashed together
                var messages = Enumerable.Range(0, 56).Select(len => { var m = new byte[len]; rng.NextBytes(m); return m; }).ToArray();
                var blocks = new byte[messages.Length * 64];
                for (int i = 0; i < messages.Length; i++)
                {
                    var block = blocks.AsSpan(i * 64, 64);
                    rng.NextBytes(block); // padding must overwrite whatever is there
                    messages[i].CopyTo(block);
                    Sha256Batch.PadSingleBlock(block, messages[i].Length);
                }
                var output = new byte[messages.Length * 32];
                Sha256Batch.HashPaddedBlocks(blocks, output);
                for (int i = 0; i < messages.Length; i++)
                    Assert.Equal(SHA256.HashData(messages[i]), output.AsSpan(i * 32, 32).ToArray());
                Assert.Throws<ArgumentException>(() => Sha256Batch.PadSingleBlock(new byte[64], 56));
            }
            finally { Sha256Batch.Force = before; }
        }
    }
}
