using System.Security.Cryptography;
using System.Text;

namespace Cirrus.Networking.Discovery;

/// <summary>The cryptographic functions of discv5.1 (discv5-wire.md, discv5-theory.md "handshake").</summary>
public static class Discv5Crypto
{
    public const int KeySize = 16;
    public const int NonceSize = 12;
    public const int TagSize = 16;

    private static readonly byte[] KdfText = Encoding.ASCII.GetBytes("discovery v5 key agreement");
    private static readonly byte[] IdSignatureText = Encoding.ASCII.GetBytes("discovery v5 identity proof");

    /// <summary>HKDF key derivation: returns (initiator-key, recipient-key).</summary>
    public static (byte[] InitiatorKey, byte[] RecipientKey) DeriveKeys(
        ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nodeIdA, ReadOnlySpan<byte> nodeIdB, ReadOnlySpan<byte> challengeData)
    {
        Span<byte> info = stackalloc byte[KdfText.Length + 64];
        KdfText.CopyTo(info);
        nodeIdA.CopyTo(info[KdfText.Length..]);
        nodeIdB.CopyTo(info[(KdfText.Length + 32)..]);
        Span<byte> prk = stackalloc byte[32];
        HKDF.Extract(HashAlgorithmName.SHA256, secret, challengeData, prk);
        Span<byte> keyData = stackalloc byte[32];
        HKDF.Expand(HashAlgorithmName.SHA256, prk, keyData, info);
        return (keyData[..16].ToArray(), keyData[16..].ToArray());
    }

    private static byte[] IdSignatureHash(ReadOnlySpan<byte> challengeData, ReadOnlySpan<byte> ephemeralPubkey, ReadOnlySpan<byte> nodeIdB)
    {
        var input = new byte[IdSignatureText.Length + challengeData.Length + ephemeralPubkey.Length + nodeIdB.Length];
        var s = input.AsSpan();
        IdSignatureText.CopyTo(s); s = s[IdSignatureText.Length..];
        challengeData.CopyTo(s); s = s[challengeData.Length..];
        ephemeralPubkey.CopyTo(s); s = s[ephemeralPubkey.Length..];
        nodeIdB.CopyTo(s);
        return SHA256.HashData(input);
    }

    public static byte[] IdSign(Secp256k1Key staticKey, ReadOnlySpan<byte> challengeData, ReadOnlySpan<byte> ephemeralPubkey, ReadOnlySpan<byte> nodeIdB)
        => staticKey.SignHash(IdSignatureHash(challengeData, ephemeralPubkey, nodeIdB));

    public static bool IdVerify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> challengeData,
        ReadOnlySpan<byte> ephemeralPubkey, ReadOnlySpan<byte> nodeIdB)
        => Secp256k1Key.Verify(publicKey, IdSignatureHash(challengeData, ephemeralPubkey, nodeIdB), signature);

    /// <summary>AES-128-GCM; the 16-byte tag is appended to the ciphertext.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> ad)
    {
        var output = new byte[plaintext.Length + TagSize];
        using var gcm = new AesGcm(key, TagSize);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), ad);
        return output;
    }

    public static bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> ad, out byte[] plaintext)
    {
        plaintext = [];
        if (ciphertext.Length < TagSize || key.Length != KeySize || nonce.Length != NonceSize) return false;
        var pt = new byte[ciphertext.Length - TagSize];
        try
        {
            using var gcm = new AesGcm(key, TagSize);
            gcm.Decrypt(nonce, ciphertext[..pt.Length], ciphertext[pt.Length..], pt, ad);
        }
        catch (CryptographicException) { return false; }
        plaintext = pt;
        return true;
    }

    /// <summary>AES-128-CTR with the full 16-byte IV as a big-endian counter (header masking).</summary>
    public static void AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        int blocks = (input.Length + 15) / 16;
        var counters = new byte[blocks * 16];
        Span<byte> ctr = stackalloc byte[16];
        iv.CopyTo(ctr);
        for (int b = 0; b < blocks; b++)
        {
            ctr.CopyTo(counters.AsSpan(b * 16));
            for (int i = 15; i >= 0; i--) if (++ctr[i] != 0) break;
        }
        var stream = aes.EncryptEcb(counters, PaddingMode.None);
        for (int i = 0; i < input.Length; i++) output[i] = (byte)(input[i] ^ stream[i]);
    }
}

/// <summary>Node id arithmetic: XOR distance and log2 distance.</summary>
public static class NodeIdMath
{
    /// <summary>log2 distance: 0 for equal ids, else 256 - leading zero bits of a XOR b.</summary>
    public static int LogDistance(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        for (int i = 0; i < 32; i++)
        {
            int x = a[i] ^ b[i];
            if (x != 0) return (31 - i) * 8 + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)x));
        }
        return 0;
    }

    /// <summary>Compares XOR distances d(target,a) and d(target,b).</summary>
    public static int CompareDistance(ReadOnlySpan<byte> target, ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        for (int i = 0; i < 32; i++)
        {
            int da = a[i] ^ target[i], db = b[i] ^ target[i];
            if (da != db) return da < db ? -1 : 1;
        }
        return 0;
    }

    /// <summary>A random id at the given log distance from <paramref name="origin"/>.</summary>
    public static byte[] RandomAtDistance(ReadOnlySpan<byte> origin, int distance)
    {
        var id = origin.ToArray();
        if (distance == 0) return id;
        var rnd = new byte[32];
        RandomNumberGenerator.Fill(rnd);
        int bit = distance - 1;                 // the highest differing bit, counted from the least significant
        int byteIndex = 31 - bit / 8, bitInByte = bit % 8;
        int flip = 1 << bitInByte, low = flip - 1, high = ~(flip | low) & 0xff;
        id[byteIndex] = (byte)((origin[byteIndex] & high) | (~origin[byteIndex] & flip) | (rnd[byteIndex] & low));
        for (int i = byteIndex + 1; i < 32; i++) id[i] = rnd[i];
        return id;
    }
}
