using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Cirrus.Networking.Tests")]
[assembly: InternalsVisibleTo("Cirrus.Benchmarks")]
[assembly: InternalsVisibleTo("cirrus-fuzz")]
