namespace Cirrus.Networking;

/// <summary>
/// The one exception type the libp2p layer throws for anything a remote peer did wrong
/// (malformed varint, protobuf, frame, handshake, protocol violation, limit exceeded).
/// Connections that see it are closed and the peer penalized; it never escapes a host loop.
/// </summary>
public class P2pException : Exception
{
    public P2pException(string message) : base(message) { }
    public P2pException(string message, Exception inner) : base(message, inner) { }
}
