using BenchmarkDotNet.Running;

namespace Cirrus.Benchmarks;

public static class Program
{
    // dotnet run -c Release --project bench/Cirrus.Benchmarks -- --filter '*Ssz*'
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
