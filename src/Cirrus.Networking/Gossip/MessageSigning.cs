using System.Buffers.Binary;
using System.Text;

namespace Cirrus.Networking.Gossip;

/// <summary>
/// libp2p pubsub message signatures (the StrictSign policy): the author's key signs
/// "libp2p-pubsub:" followed by the message's protobuf encoding without its signature and key fields.
/// </summary>
public static class MessageSigning
{
    private static readonly byte[] Prefix = Encoding.ASCII.GetBytes("libp2p-pubsub:");

    public static void Sign(RpcMessage m, Secp256k1Key key, long seqno)
    {
        m.From = key.PeerId.ToByteArray();
        m.Seqno = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(m.Seqno, seqno);
        m.Signature = null;
        m.Key = null; // the peer id inlines the secp256k1 key
        m.Signature = key.SignLibp2p(SignedBytes(m));
    }

    /// <summary>True when the message has an author, a seqno and a valid signature by the author's key.</summary>
    public static bool Verify(RpcMessage m)
    {
        if (m.From is null || m.Seqno is not { Length: 8 } || m.Signature is null) return false;
        if (!PeerId.TryFromBytes(m.From, out var author) || author is null) return false;
        PeerPublicKey? key;
        try
        {
            key = m.Key is not null ? PeerPublicKey.Unmarshal(m.Key) : author.TryGetPublicKey();
        }
        catch (P2pException)
        {
            return false;
        }
        if (key is null || !author.Matches(key)) return false;
        var signature = m.Signature;
        var publicKey = m.Key;
        m.Signature = null;
        m.Key = null;
        try { return key.Verify(SignedBytes(m), signature); }
        finally
        {
            m.Signature = signature;
            m.Key = publicKey;
        }
    }

    private static byte[] SignedBytes(RpcMessage m)
    {
        var body = m.Encode().ToArray();
        var all = new byte[Prefix.Length + body.Length];
        Prefix.CopyTo(all, 0);
        body.CopyTo(all, Prefix.Length);
        return all;
    }
}
