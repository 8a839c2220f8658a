using Xunit;

namespace Cirrus.Integration.Tests;

/// <summary>Tests that run real-time chains (2 s slots, many processes) run one at a time: on two cores, overlapping ones starve each other's slot timing.</summary>
[CollectionDefinition(Name)]
public sealed class LiveCollection
{
    public const string Name = "live chains";
}
