using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Cirrus.Crypto.Tests")]
[assembly: InternalsVisibleTo("Cirrus.Benchmarks")]
[assembly: InternalsVisibleTo("BlsBench")]
