using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Cli.Tests;

/// <summary>Mutations of real encodings (a Medalla block, the zinken genesis state) only ever raise SszException.</summary>
public class RealDataMutationTests
{
    private static void Fuzz<T>(byte[] valid, int iterations, int seed)
    {
        var type = Cirrus.Consensus.Config.Networks.Preset("mainnet")!.Schema.Get<T>();
        var rng = new Random(seed);
        int rejected = 0;
        for (int i = 0; i < iterations; i++)
        {
            byte[] m = (byte[])valid.Clone();
            switch (rng.Next(4))
            {
                case 0: m[rng.Next(m.Length)] ^= (byte)(1 << rng.Next(8)); break;
                case 1: m = m[..rng.Next(m.Length)]; break;
                case 2: m = [.. m, .. new byte[rng.Next(1, 9)]]; break;
                default:
                    // An offset-sized word somewhere in the fixed part gets a boundary value.
                    int at = rng.Next(Math.Min(m.Length - 4, 400));
                    BitConverter.TryWriteBytes(m.AsSpan(at, 4), rng.Next(3) switch { 0 => 0u, 1 => uint.MaxValue, _ => (uint)rng.Next(m.Length + 16) });
                    break;
            }
            try
            {
                T v = type.Deserialize(m);
                Assert.Equal(m, type.Serialize(v));
            }
            catch (SszException) { rejected++; }
        }
        Assert.True(rejected > iterations / 4, $"only {rejected} of {iterations} mutations rejected");
    }

    [Fact]
    public void MedallaBlockMutations() =>
        Fuzz<SignedBeaconBlock>(File.ReadAllBytes(Path.Combine(Cli.Testnets, "medalla", "recent-finalized-block.ssz")), 5000, 11);

    [Fact]
    public void ZinkenStateMutations() =>
        Fuzz<BeaconState>(File.ReadAllBytes(Path.Combine(Cli.Testnets, "zinken", "genesis.ssz")), 300, 12);
}
