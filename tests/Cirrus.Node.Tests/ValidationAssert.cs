using Cirrus.Node.Validation;

namespace Cirrus.Node.Tests;

public static class ValidationAssert
{
    /// <summary>The outcome has this action and error (the message is shown when not).</summary>
    public static void Outcome(ValidationAction action, GossipError error, ValidationOutcome outcome) =>
        Assert.True(outcome.Action == action && outcome.Error == error, $"expected {action} {error}, got {outcome}");
}
