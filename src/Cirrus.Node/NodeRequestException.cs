namespace Cirrus.Node;

/// <summary>
/// A validator-facing request the node cannot serve: a pool submission that fails validation, a
/// block or attestation data it cannot produce, duties it cannot compute. The message says why;
/// <see cref="NotFound"/> marks a missing object (the API answers 404 instead of 400).
/// </summary>
public sealed class NodeRequestException(string message, bool notFound = false) : Exception(message)
{
    public bool NotFound { get; } = notFound;
}
