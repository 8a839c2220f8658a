namespace Cirrus.Crypto;

/// <summary>The one exception type the BLS API throws for invalid keys, signatures or arguments.</summary>
public sealed class BlsException : Exception
{
    public BlsException(string message) : base(message) { }

    public BlsException(string message, Exception inner) : base(message, inner) { }
}
