using Cirrus.Ssz;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cirrus.Crypto;
using Org.BouncyCastle.Crypto.Generators;

namespace Cirrus.Validator.Keys;

public enum KdfFunction { Scrypt, Pbkdf2 }

/// <summary>The kdf module of an EIP-2335 keystore: scrypt (n, r, p) or PBKDF2-HMAC-SHA256 (c).</summary>
public sealed class KeystoreKdf
{
    /// <summary>The parameters the EIP's vectors and the official deposit tool write.</summary>
    public const int DefaultScryptN = 262144, DefaultScryptR = 8, DefaultScryptP = 1, DefaultPbkdf2C = 262144;

    // Limits on what a keystore may ask of us when read: 1 GiB of scrypt memory, 10^8 PBKDF2 rounds.
    private const long MaxScryptMemory = 1L << 30;
    private const int MaxPbkdf2C = 100_000_000;

    public KdfFunction Function { get; }
    public int N { get; }
    public int R { get; }
    public int P { get; }
    public int C { get; }
    public int DkLen { get; }
    public byte[] Salt { get; }

    private KeystoreKdf(KdfFunction function, int n, int r, int p, int c, int dkLen, byte[] salt)
    {
        Function = function; N = n; R = r; P = p; C = c; DkLen = dkLen; Salt = salt;
    }

    public static KeystoreKdf Scrypt(int n = DefaultScryptN, int r = DefaultScryptR, int p = DefaultScryptP, byte[]? salt = null) =>
        Validated(new KeystoreKdf(KdfFunction.Scrypt, n, r, p, 0, 32, salt ?? RandomNumberGenerator.GetBytes(32)));

    public static KeystoreKdf Pbkdf2(int c = DefaultPbkdf2C, byte[]? salt = null) =>
        Validated(new KeystoreKdf(KdfFunction.Pbkdf2, 0, 0, 0, c, 32, salt ?? RandomNumberGenerator.GetBytes(32)));

    internal static KeystoreKdf FromJson(KdfFunction f, int n, int r, int p, int c, int dkLen, byte[] salt) =>
        Validated(new KeystoreKdf(f, n, r, p, c, dkLen, salt));

    private static KeystoreKdf Validated(KeystoreKdf k)
    {
        // dklen >= 32: the checksum uses bytes 16..32 of the derived key.
        if (k.DkLen < 32 || k.DkLen > 64) throw new ValidatorException($"unsupported kdf dklen {k.DkLen} (32 to 64)");
        if (k.Salt.Length == 0) throw new ValidatorException("kdf salt is empty");
        if (k.Function == KdfFunction.Scrypt)
        {
            if (k.N < 2 || (k.N & (k.N - 1)) != 0) throw new ValidatorException($"scrypt n must be a power of 2 above 1, not {k.N}");
            if (k.R < 1 || k.P < 1 || k.P > 16) throw new ValidatorException("scrypt r must be at least 1 and p between 1 and 16");
            if (128L * k.R * k.N > MaxScryptMemory) throw new ValidatorException("scrypt parameters need more than 1 GiB of memory");
        }
        else if (k.C < 1 || k.C > MaxPbkdf2C) throw new ValidatorException($"pbkdf2 c must be between 1 and {MaxPbkdf2C}");
        return k;
    }

    internal byte[] Derive(byte[] password) => Function == KdfFunction.Scrypt
        ? SCrypt.Generate(password, Salt, N, R, P, DkLen)
        : Rfc2898DeriveBytes.Pbkdf2(password, Salt, C, HashAlgorithmName.SHA256, DkLen);
}

/// <summary>
/// An EIP-2335 (version 4) keystore: a secret encrypted with AES-128-CTR under a key derived from a
/// password, with a SHA-256 checksum that tells a wrong password from a right one. Messages name the
/// keystore (its file or public key) and never hold the password or the secret.
/// </summary>
public sealed class Keystore
{
    public KeystoreKdf Kdf { get; }
    public byte[] Checksum { get; }
    public byte[] Iv { get; }
    public byte[] CipherMessage { get; }
    public string Description { get; }
    /// <summary>The 48-byte public key, when the file gives one.</summary>
    public byte[]? Pubkey { get; }
    public string Path { get; }
    public Guid Uuid { get; }

    /// <summary>How messages name this keystore: its file when read from one, else its public key.</summary>
    public string Name { get; }

    private Keystore(KeystoreKdf kdf, byte[] checksum, byte[] iv, byte[] cipherMessage, string description, byte[]? pubkey,
        string path, Guid uuid, string? name)
    {
        Kdf = kdf; Checksum = checksum; Iv = iv; CipherMessage = cipherMessage; Description = description;
        Pubkey = pubkey; Path = path; Uuid = uuid;
        Name = name ?? (pubkey is null ? "uuid " + uuid : "0x" + Convert.ToHexStringLower(pubkey));
    }

    /// <summary>The pubkey as lower-case hex without 0x (the keystore's own spelling), or null.</summary>
    public string? PubkeyHex => Pubkey is null ? null : Convert.ToHexStringLower(Pubkey);

    /// <summary>
    /// EIP-2335 password processing: NFKD, then the C0 (U+0000..U+001F), Delete (U+007F) and C1
    /// (U+0080..U+009F) control codes removed, then UTF-8. A trailing newline in a password file goes too.
    /// </summary>
    public static byte[] NormalizePassword(string password)
    {
        string nfkd;
        try { nfkd = UnicodeNfkd.Normalize(password); }
        catch (ArgumentException) { throw new ValidatorException("the password is not valid Unicode text"); }
        var sb = new StringBuilder(nfkd.Length);
        foreach (char ch in nfkd)
            if (!(ch <= 0x1F || (ch >= 0x7F && ch <= 0x9F))) sb.Append(ch);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Encrypts <paramref name="secret"/> (scrypt with the EIP's parameters unless <paramref name="kdf"/> says otherwise).</summary>
    public static Keystore Encrypt(ReadOnlySpan<byte> secret, string password, string path, byte[]? pubkey = null,
        KeystoreKdf? kdf = null, string description = "", Guid? uuid = null, byte[]? iv = null)
    {
        if (secret.Length == 0) throw new ValidatorException("nothing to encrypt");
        if (pubkey is { Length: not 48 }) throw new ValidatorException("a keystore public key is 48 bytes");
        if (iv is { Length: not 16 }) throw new ValidatorException("an aes-128-ctr iv is 16 bytes");
        if (path.Length > 0) KeyPath.Parse(path);
        kdf ??= KeystoreKdf.Scrypt();
        iv ??= RandomNumberGenerator.GetBytes(16);
        byte[] pw = NormalizePassword(password);
        byte[] dk = kdf.Derive(pw);
        try
        {
            byte[] message = AesCtr(dk.AsSpan(0, 16), iv, secret);
            byte[] checksum = ChecksumOf(dk, message);
            return new Keystore(kdf, checksum, (byte[])iv.Clone(), message, description, pubkey is null ? null : (byte[])pubkey.Clone(),
                path, uuid ?? Guid.NewGuid(), null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dk);
            CryptographicOperations.ZeroMemory(pw);
        }
    }

    /// <summary>Encrypts a BLS secret key, recording its public key.</summary>
    public static Keystore Encrypt(BlsSecretKey key, string password, string path, KeystoreKdf? kdf = null, string description = "")
    {
        byte[] sk = key.ToBytes();
        try { return Encrypt(sk, password, path, key.PublicKey.ToBytes(), kdf, description); }
        finally { CryptographicOperations.ZeroMemory(sk); }
    }

    /// <summary>The secret; throws ValidatorException("wrong password for keystore …") when the checksum does not match.</summary>
    public byte[] Decrypt(string password)
    {
        byte[] pw = NormalizePassword(password);
        byte[] dk = Kdf.Derive(pw);
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(ChecksumOf(dk, CipherMessage), Checksum))
                throw new ValidatorException($"wrong password for keystore {Name}");
            return AesCtr(dk.AsSpan(0, 16), Iv, CipherMessage);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dk);
            CryptographicOperations.ZeroMemory(pw);
        }
    }

    /// <summary>Decrypts a BLS secret key and checks it against the recorded public key, if any.</summary>
    public BlsSecretKey DecryptKey(string password)
    {
        byte[] sk = Decrypt(password);
        try
        {
            BlsSecretKey key;
            try { key = BlsSecretKey.FromBytes(sk); }
            catch (BlsException) { throw new ValidatorException($"keystore {Name} does not hold a valid BLS secret key"); }
            if (Pubkey != null && !key.PublicKey.ToBytes().AsSpan().SequenceEqual(Pubkey))
            {
                key.Dispose();
                throw new ValidatorException($"keystore {Name}: the secret key does not match the public key");
            }
            return key;
        }
        finally { CryptographicOperations.ZeroMemory(sk); }
    }

    private static byte[] ChecksumOf(byte[] dk, byte[] cipherMessage)
    {
        var pre = new byte[16 + cipherMessage.Length];
        dk.AsSpan(16, 16).CopyTo(pre);
        cipherMessage.CopyTo(pre, 16);
        byte[] sum = SHA256.HashData(pre);
        CryptographicOperations.ZeroMemory(pre);
        return sum;
    }

    /// <summary>AES-128-CTR with a 128-bit big-endian counter starting at the IV.</summary>
    internal static byte[] AesCtr(ReadOnlySpan<byte> key16, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input)
    {
        int blocks = (input.Length + 15) / 16;
        var counters = new byte[blocks * 16];
        UInt128 ctr = BinaryPrimitives.ReadUInt128BigEndian(iv);
        for (int i = 0; i < blocks; i++, ctr++) BinaryPrimitives.WriteUInt128BigEndian(counters.AsSpan(i * 16), ctr);
        using var aes = Aes.Create();
        aes.Key = key16.ToArray();
        byte[] stream = aes.EncryptEcb(counters, PaddingMode.None);
        var output = new byte[input.Length];
        for (int i = 0; i < input.Length; i++) output[i] = (byte)(input[i] ^ stream[i]);
        CryptographicOperations.ZeroMemory(stream);
        return output;
    }

    /// <summary>The keystore as JSON, laid out as the official deposit tool writes it.</summary>
    public string ToJson()
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("crypto");
            w.WriteStartObject("kdf");
            w.WriteString("function", Kdf.Function == KdfFunction.Scrypt ? "scrypt" : "pbkdf2");
            w.WriteStartObject("params");
            w.WriteNumber("dklen", Kdf.DkLen);
            if (Kdf.Function == KdfFunction.Scrypt)
            {
                w.WriteNumber("n", Kdf.N);
                w.WriteNumber("r", Kdf.R);
                w.WriteNumber("p", Kdf.P);
            }
            else
            {
                w.WriteNumber("c", Kdf.C);
                w.WriteString("prf", "hmac-sha256");
            }
            w.WriteString("salt", Convert.ToHexStringLower(Kdf.Salt));
            w.WriteEndObject();
            w.WriteString("message", "");
            w.WriteEndObject();
            w.WriteStartObject("checksum");
            w.WriteString("function", "sha256");
            w.WriteStartObject("params");
            w.WriteEndObject();
            w.WriteString("message", Convert.ToHexStringLower(Checksum));
            w.WriteEndObject();
            w.WriteStartObject("cipher");
            w.WriteString("function", "aes-128-ctr");
            w.WriteStartObject("params");
            w.WriteString("iv", Convert.ToHexStringLower(Iv));
            w.WriteEndObject();
            w.WriteString("message", Convert.ToHexStringLower(CipherMessage));
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteString("description", Description);
            if (Pubkey != null) w.WriteString("pubkey", Convert.ToHexStringLower(Pubkey));
            w.WriteString("path", Path);
            w.WriteString("uuid", Uuid.ToString("D"));
            w.WriteNumber("version", 4);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Reads a keystore file; I/O failures and bad content become ValidatorException naming the file.</summary>
    public static Keystore Load(string file)
    {
        string text;
        try { text = Encoding.UTF8.GetString(BoundedFile.ReadAllBytes(file, BoundedFile.MaxTextBytes, "a keystore")); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ValidatorException($"cannot read keystore {file}: {e.Message}");
        }
        return Parse(text, file);
    }

    /// <summary>
    /// Parses keystore JSON. <paramref name="name"/> (a file name) is how messages refer to it. Throws
    /// ValidatorException on invalid JSON, a missing or mistyped field, a version other than 4 or an
    /// unsupported function or parameter.
    /// </summary>
    public static Keystore Parse(string json, string? name = null)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 }); }
        catch (JsonException) { throw new ValidatorException($"keystore {name ?? "(text)"}: not valid JSON"); }
        using (doc)
        {
            var p = new Reader(name ?? "(text)");
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw p.Error("not a JSON object");
            int version = p.Int(root, "version");
            if (version != 4) throw p.Error($"unsupported keystore version {version} (only 4)");
            JsonElement crypto = p.Obj(root, "crypto");

            JsonElement kdf = p.Obj(crypto, "kdf");
            string kdfFn = p.Str(kdf, "function");
            JsonElement kp = p.Obj(kdf, "params");
            KeystoreKdf kdfParams;
            try
            {
                kdfParams = kdfFn switch
                {
                    "scrypt" => KeystoreKdf.FromJson(KdfFunction.Scrypt, p.Int(kp, "n"), p.Int(kp, "r"), p.Int(kp, "p"), 0,
                        p.Int(kp, "dklen"), p.Hex(kp, "salt")),
                    "pbkdf2" => p.Str(kp, "prf") == "hmac-sha256"
                        ? KeystoreKdf.FromJson(KdfFunction.Pbkdf2, 0, 0, 0, p.Int(kp, "c"), p.Int(kp, "dklen"), p.Hex(kp, "salt"))
                        : throw p.Error($"unsupported pbkdf2 prf '{p.Str(kp, "prf")}' (only hmac-sha256)"),
                    _ => throw p.Error($"unsupported kdf function '{kdfFn}' (scrypt or pbkdf2)"),
                };
            }
            catch (ValidatorException e) when (!e.Message.StartsWith("keystore ", StringComparison.Ordinal))
            {
                throw p.Error(e.Message);
            }

            JsonElement checksum = p.Obj(crypto, "checksum");
            if (p.Str(checksum, "function") is var cf && cf != "sha256") throw p.Error($"unsupported checksum function '{cf}' (only sha256)");
            byte[] sum = p.Hex(checksum, "message");
            if (sum.Length != 32) throw p.Error("checksum message is not 32 bytes");

            JsonElement cipher = p.Obj(crypto, "cipher");
            if (p.Str(cipher, "function") is var cfn && cfn != "aes-128-ctr") throw p.Error($"unsupported cipher function '{cfn}' (only aes-128-ctr)");
            byte[] iv = p.Hex(p.Obj(cipher, "params"), "iv");
            if (iv.Length != 16) throw p.Error("cipher iv is not 16 bytes");
            byte[] message = p.Hex(cipher, "message");
            if (message.Length == 0 || message.Length > 4096) throw p.Error("cipher message must be 1 to 4096 bytes");

            string path = p.Str(root, "path");
            if (path.Length > 0)
            {
                try { KeyPath.Parse(path); }
                catch (ValidatorException e) { throw p.Error(e.Message); }
            }
            if (!Guid.TryParseExact(p.Str(root, "uuid"), "D", out Guid uuid)) throw p.Error("uuid is not a UUID");
            string description = (root.TryGetProperty("description", out var d) ? d.GetStringOrNull() : null) ?? "";
            byte[]? pubkey = null;
            if (root.TryGetProperty("pubkey", out var pk) && pk.ValueKind != JsonValueKind.Null)
            {
                pubkey = p.Hex(root, "pubkey");
                if (pubkey.Length != 48) throw p.Error("pubkey is not 48 bytes");
            }
            return new Keystore(kdfParams, sum, iv, message, description, pubkey, path, uuid, name);
        }
    }

    private readonly struct Reader(string name)
    {
        public ValidatorException Error(string what) => new($"keystore {name}: {what}");

        public JsonElement Obj(JsonElement o, string field) =>
            o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Object ? v : throw Error($"missing or invalid field '{field}'");

        public string Str(JsonElement o, string field) =>
            o.TryGetProperty(field, out var v) && v.GetStringOrNull() is { } s ? s : throw Error($"missing or invalid field '{field}'");

        public int Int(JsonElement o, string field) =>
            o.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)
                ? i : throw Error($"missing or invalid field '{field}'");

        public byte[] Hex(JsonElement o, string field)
        {
            string s = Str(o, field);
            if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
            try { return Convert.FromHexString(s); }
            catch (FormatException) { throw Error($"field '{field}' is not hex"); }
        }
    }
}
