using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Org.BouncyCastle.Security;

namespace Cirrus.Networking;

/// <summary>
/// libp2p Noise (<c>/noise</c>): <c>Noise_XX_25519_ChaChaPoly_SHA256</c> with the libp2p handshake
/// payload (identity key + signature over <c>"noise-libp2p-static-key:" || static key</c>).
/// Accepts secp256k1 and Ed25519 remote identities.
/// </summary>
public static class NoiseHandshake
{
    public const string ProtocolId = "/noise";
    private static readonly byte[] SigPrefix = Encoding.ASCII.GetBytes("noise-libp2p-static-key:");
    private static readonly SecureRandom Rng = new();

    internal sealed class CipherState
    {
        private readonly ChaCha20Poly1305? _aead;
        private ulong _n;
        public bool HasKey => _aead is not null;

        public CipherState(byte[]? key) { if (key is not null) _aead = new ChaCha20Poly1305(key); }

        private void Nonce(Span<byte> nonce)
        {
            nonce.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], _n);
            if (_n == ulong.MaxValue) throw new P2pException("noise nonce exhausted");
            _n++;
        }

        /// <summary>Encrypts plaintext into dst (plaintext.Length + 16 bytes).</summary>
        public void Encrypt(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> plaintext, Span<byte> dst)
        {
            Span<byte> nonce = stackalloc byte[12];
            Nonce(nonce);
            _aead!.Encrypt(nonce, plaintext, dst[..plaintext.Length], dst.Slice(plaintext.Length, 16), ad);
        }

        public void Decrypt(ReadOnlySpan<byte> ad, ReadOnlySpan<byte> ciphertext, Span<byte> dst)
        {
            if (ciphertext.Length < 16) throw new P2pException("noise ciphertext shorter than tag");
            Span<byte> nonce = stackalloc byte[12];
            Nonce(nonce);
            try
            {
                _aead!.Decrypt(nonce, ciphertext[..^16], ciphertext[^16..], dst[..(ciphertext.Length - 16)], ad);
            }
            catch (AuthenticationTagMismatchException)
            {
                throw new P2pException("noise decryption failed");
            }
        }
    }

    private sealed class SymmetricState
    {
        public byte[] Ck;
        public byte[] H;
        public CipherState Cs = new(null);

        public SymmetricState()
        {
            H = Encoding.ASCII.GetBytes("Noise_XX_25519_ChaChaPoly_SHA256"); // exactly 32 bytes
            Ck = (byte[])H.Clone();
            MixHash(ReadOnlySpan<byte>.Empty); // empty prologue
        }

        public void MixHash(ReadOnlySpan<byte> data)
        {
            var buf = new byte[32 + data.Length];
            H.CopyTo(buf, 0);
            data.CopyTo(buf.AsSpan(32));
            H = SHA256.HashData(buf);
        }

        public void MixKey(ReadOnlySpan<byte> ikm)
        {
            var (ck, k) = Hkdf(Ck, ikm);
            Ck = ck;
            Cs = new CipherState(k);
        }

        public byte[] EncryptAndHash(ReadOnlySpan<byte> plaintext)
        {
            byte[] c;
            if (Cs.HasKey)
            {
                c = new byte[plaintext.Length + 16];
                Cs.Encrypt(H, plaintext, c);
            }
            else c = plaintext.ToArray();
            MixHash(c);
            return c;
        }

        public byte[] DecryptAndHash(ReadOnlySpan<byte> ciphertext)
        {
            byte[] p;
            if (Cs.HasKey)
            {
                if (ciphertext.Length < 16) throw new P2pException("noise handshake message too short");
                p = new byte[ciphertext.Length - 16];
                Cs.Decrypt(H, ciphertext, p);
            }
            else p = ciphertext.ToArray();
            MixHash(ciphertext);
            return p;
        }

        public (CipherState, CipherState) Split()
        {
            var (k1, k2) = Hkdf(Ck, ReadOnlySpan<byte>.Empty);
            return (new CipherState(k1), new CipherState(k2));
        }
    }

    private static (byte[], byte[]) Hkdf(byte[] ck, ReadOnlySpan<byte> ikm)
    {
        var temp = HMACSHA256.HashData(ck, ikm);
        var o1 = HMACSHA256.HashData(temp, new byte[] { 1 });
        var in2 = new byte[33];
        o1.CopyTo(in2, 0);
        in2[32] = 2;
        var o2 = HMACSHA256.HashData(temp, in2);
        return (o1, o2);
    }

    private static byte[] Dh(byte[] priv, ReadOnlySpan<byte> pub)
    {
        var r = new byte[32];
        if (!X25519.CalculateAgreement(priv, 0, pub.ToArray(), 0, r, 0)) throw new P2pException("noise: invalid X25519 public key");
        return r;
    }

    private static (byte[] priv, byte[] pub) NewKeyPair()
    {
        var priv = new byte[32];
        X25519.GeneratePrivateKey(Rng, priv);
        var pub = new byte[32];
        X25519.GeneratePublicKey(priv, 0, pub, 0);
        return (priv, pub);
    }

    private static async Task WriteFrameAsync(Stream s, byte[] msg, CancellationToken ct)
    {
        var buf = new byte[2 + msg.Length];
        BinaryPrimitives.WriteUInt16BigEndian(buf, (ushort)msg.Length);
        msg.CopyTo(buf, 2);
        await s.WriteAsync(buf, ct).ConfigureAwait(false);
        await s.FlushAsync(ct).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadFrameAsync(Stream s, CancellationToken ct)
    {
        var lenBuf = new byte[2];
        await StreamIo.ReadExactlyAsync(s, lenBuf, ct).ConfigureAwait(false);
        int len = BinaryPrimitives.ReadUInt16BigEndian(lenBuf);
        var msg = new byte[len];
        await StreamIo.ReadExactlyAsync(s, msg, ct).ConfigureAwait(false);
        return msg;
    }

    internal static byte[] MakePayload(Secp256k1Key identity, byte[] staticPub)
    {
        var toSign = new byte[SigPrefix.Length + 32];
        SigPrefix.CopyTo(toSign, 0);
        staticPub.CopyTo(toSign, SigPrefix.Length);
        return new ProtoWriter(128)
            .Bytes(1, identity.PeerPublicKey.Marshal())
            .Bytes(2, identity.SignLibp2p(toSign))
            .ToArray();
    }

    internal static PeerPublicKey VerifyPayload(byte[] payload, ReadOnlySpan<byte> remoteStatic)
    {
        byte[]? key = null, sig = null;
        var r = new ProtoReader(payload);
        while (r.Next(out var f))
        {
            if (f.Number == 1) key = f.AsBytes();
            else if (f.Number == 2) sig = f.AsBytes();
        }
        if (key is null || sig is null) throw new P2pException("noise payload lacks identity key or signature");
        var pk = PeerPublicKey.Unmarshal(key);
        var toSign = new byte[SigPrefix.Length + 32];
        SigPrefix.CopyTo(toSign, 0);
        remoteStatic.CopyTo(toSign.AsSpan(SigPrefix.Length));
        if (!pk.Verify(toSign, sig)) throw new P2pException("noise payload signature invalid");
        return pk;
    }

    /// <summary>
    /// Runs the XX handshake over <paramref name="raw"/> and returns the encrypted channel and the
    /// authenticated remote identity. If <paramref name="expectedRemote"/> is given, a different remote fails the handshake.
    /// </summary>
    public static async Task<(NoiseStream Channel, PeerPublicKey RemoteKey)> SecureAsync(
        Stream raw, Secp256k1Key identity, bool initiator, PeerId? expectedRemote, CancellationToken ct)
    {
        var ss = new SymmetricState();
        var (sPriv, sPub) = NewKeyPair();
        var (ePriv, ePub) = NewKeyPair();
        PeerPublicKey remoteKey;
        if (initiator)
        {
            // -> e
            ss.MixHash(ePub);
            var p1 = ss.EncryptAndHash(ReadOnlySpan<byte>.Empty);
            await WriteFrameAsync(raw, [.. ePub, .. p1], ct).ConfigureAwait(false);
            // <- e, ee, s, es
            var m2 = await ReadFrameAsync(raw, ct).ConfigureAwait(false);
            if (m2.Length < 32 + 48 + 16) throw new P2pException("noise message 2 too short");
            var re = m2.AsSpan(0, 32).ToArray();
            ss.MixHash(re);
            ss.MixKey(Dh(ePriv, re));
            var rs = ss.DecryptAndHash(m2.AsSpan(32, 48));
            ss.MixKey(Dh(ePriv, rs));
            var payload2 = ss.DecryptAndHash(m2.AsSpan(80));
            remoteKey = VerifyPayload(payload2, rs);
            if (expectedRemote is not null && !expectedRemote.Matches(remoteKey))
                throw new P2pException($"noise: dialed {expectedRemote} but remote is {remoteKey.ToPeerId()}");
            // -> s, se
            var sEnc = ss.EncryptAndHash(sPub);
            ss.MixKey(Dh(sPriv, re));
            var pEnc = ss.EncryptAndHash(MakePayload(identity, sPub));
            await WriteFrameAsync(raw, [.. sEnc, .. pEnc], ct).ConfigureAwait(false);
            var (c1, c2) = ss.Split();
            return (new NoiseStream(raw, send: c1, recv: c2), remoteKey);
        }
        else
        {
            // -> e
            var m1 = await ReadFrameAsync(raw, ct).ConfigureAwait(false);
            if (m1.Length < 32) throw new P2pException("noise message 1 too short");
            var re = m1.AsSpan(0, 32).ToArray();
            ss.MixHash(re);
            ss.DecryptAndHash(m1.AsSpan(32));
            // <- e, ee, s, es
            ss.MixHash(ePub);
            ss.MixKey(Dh(ePriv, re));
            var sEnc = ss.EncryptAndHash(sPub);
            ss.MixKey(Dh(sPriv, re));
            var pEnc = ss.EncryptAndHash(MakePayload(identity, sPub));
            await WriteFrameAsync(raw, [.. ePub, .. sEnc, .. pEnc], ct).ConfigureAwait(false);
            // -> s, se
            var m3 = await ReadFrameAsync(raw, ct).ConfigureAwait(false);
            if (m3.Length < 48 + 16) throw new P2pException("noise message 3 too short");
            var rs = ss.DecryptAndHash(m3.AsSpan(0, 48));
            ss.MixKey(Dh(ePriv, rs));
            var payload3 = ss.DecryptAndHash(m3.AsSpan(48));
            remoteKey = VerifyPayload(payload3, rs);
            if (expectedRemote is not null && !expectedRemote.Matches(remoteKey))
                throw new P2pException("noise: unexpected remote identity");
            var (c1, c2) = ss.Split();
            return (new NoiseStream(raw, send: c2, recv: c1), remoteKey);
        }
    }
}
