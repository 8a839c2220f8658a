using System.Security.Cryptography;
using System.Text;

namespace Cirrus.Validator.Keys;

/// <summary>
/// BIP-39 mnemonics with the English word list: entropy to words, validation (words and checksum)
/// and the seed (PBKDF2-HMAC-SHA512, 2048 rounds, salt "mnemonic" + passphrase, both NFKD). Messages
/// name a word by position only, so they never hold a part of the secret.
/// </summary>
public static class Bip39
{
    private static readonly Lazy<(string[] Words, Dictionary<string, int> Index)> List = new(LoadList);

    private static (string[], Dictionary<string, int>) LoadList()
    {
        byte[] raw = WordListFile;
        string[] words = Encoding.ASCII.GetString(raw).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length != 2048) throw new InvalidOperationException("the embedded BIP-39 word list is not 2048 words");
        var index = new Dictionary<string, int>(2048, StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++) index.Add(words[i], i);
        return (words, index);
    }

    /// <summary>The embedded english.txt, byte for byte.</summary>
    internal static byte[] WordListFile
    {
        get
        {
            using var s = typeof(Bip39).Assembly.GetManifestResourceStream("Cirrus.Validator.Keys.bip39-english.txt")
                ?? throw new InvalidOperationException("embedded BIP-39 word list missing");
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        }
    }

    public static IReadOnlyList<string> WordList => List.Value.Words;

    /// <summary>The mnemonic for 16, 20, 24, 28 or 32 bytes of entropy (12 to 24 words).</summary>
    public static string EntropyToMnemonic(ReadOnlySpan<byte> entropy)
    {
        if (entropy.Length < 16 || entropy.Length > 32 || entropy.Length % 4 != 0)
            throw new ValidatorException("BIP-39 entropy is 16, 20, 24, 28 or 32 bytes");
        int entBits = entropy.Length * 8, csBits = entBits / 32, words = (entBits + csBits) / 11;
        byte[] bits = new byte[entropy.Length + 1];
        entropy.CopyTo(bits);
        bits[^1] = SHA256.HashData(entropy)[0]; // only its first csBits bits are read
        var sb = new StringBuilder();
        string[] list = List.Value.Words;
        for (int w = 0; w < words; w++)
        {
            int idx = 0;
            for (int b = w * 11; b < w * 11 + 11; b++) idx = (idx << 1) | ((bits[b >> 3] >> (7 - (b & 7))) & 1);
            if (w > 0) sb.Append(' ');
            sb.Append(list[idx]);
        }
        CryptographicOperations.ZeroMemory(bits);
        return sb.ToString();
    }

    /// <summary>A new mnemonic of <paramref name="words"/> words (12, 15, 18, 21 or 24) from the system's CSPRNG.</summary>
    public static string Generate(int words = 24)
    {
        if (words < 12 || words > 24 || words % 3 != 0) throw new ValidatorException("a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words");
        byte[] entropy = RandomNumberGenerator.GetBytes(words * 11 * 32 / 33 / 8);
        try { return EntropyToMnemonic(entropy); }
        finally { CryptographicOperations.ZeroMemory(entropy); }
    }

    /// <summary>The words of a mnemonic after NFKD, split on any whitespace.</summary>
    private static string[] Words(string mnemonic)
    {
        string n;
        try { n = UnicodeNfkd.Normalize(mnemonic); }
        catch (ArgumentException) { throw new ValidatorException("the mnemonic is not valid Unicode text"); }
        return n.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Checks the words and the checksum and returns the entropy; throws ValidatorException saying what is wrong.</summary>
    public static byte[] MnemonicToEntropy(string mnemonic)
    {
        string[] words = Words(mnemonic);
        if (words.Length < 12 || words.Length > 24 || words.Length % 3 != 0)
            throw new ValidatorException($"a BIP-39 mnemonic has 12, 15, 18, 21 or 24 words, not {words.Length}");
        int totalBits = words.Length * 11, csBits = totalBits / 33, entBits = totalBits - csBits;
        var bits = new byte[(totalBits + 7) / 8];
        var index = List.Value.Index;
        for (int w = 0; w < words.Length; w++)
        {
            if (!index.TryGetValue(words[w].ToLowerInvariant(), out int idx))
                throw new ValidatorException($"mnemonic word {w + 1} is not in the BIP-39 English word list");
            for (int b = 0; b < 11; b++)
                if (((idx >> (10 - b)) & 1) != 0) bits[(w * 11 + b) >> 3] |= (byte)(0x80 >> ((w * 11 + b) & 7));
        }
        byte[] entropy = bits.AsSpan(0, entBits / 8).ToArray();
        byte want = SHA256.HashData(entropy)[0];
        int got = 0;
        for (int b = entBits; b < totalBits; b++) got = (got << 1) | ((bits[b >> 3] >> (7 - (b & 7))) & 1);
        CryptographicOperations.ZeroMemory(bits);
        if (got != want >> (8 - csBits))
        {
            CryptographicOperations.ZeroMemory(entropy);
            throw new ValidatorException("the mnemonic's checksum does not match (a word is wrong or out of order)");
        }
        return entropy;
    }

    public static bool IsValid(string mnemonic)
    {
        try
        {
            CryptographicOperations.ZeroMemory(MnemonicToEntropy(mnemonic));
            return true;
        }
        catch (ValidatorException) { return false; }
    }

    /// <summary>The 64-byte seed. Whitespace between words is normalised to single spaces; the words are not validated here.</summary>
    public static byte[] MnemonicToSeed(string mnemonic, string passphrase = "")
    {
        byte[] m = Encoding.UTF8.GetBytes(string.Join(' ', Words(mnemonic)));
        string pass;
        try { pass = UnicodeNfkd.Normalize(passphrase); }
        catch (ArgumentException) { throw new ValidatorException("the passphrase is not valid Unicode text"); }
        byte[] salt = Encoding.UTF8.GetBytes("mnemonic" + pass);
        try { return Rfc2898DeriveBytes.Pbkdf2(m, salt, 2048, HashAlgorithmName.SHA512, 64); }
        finally
        {
            CryptographicOperations.ZeroMemory(m);
            CryptographicOperations.ZeroMemory(salt);
        }
    }
}
