namespace Cirrus.Networking;

/// <summary>Base58btc (bitcoin alphabet), used for peer id strings.</summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static readonly sbyte[] Map = BuildMap();

    private static sbyte[] BuildMap()
    {
        var m = new sbyte[128];
        Array.Fill(m, (sbyte)-1);
        for (int i = 0; i < Alphabet.Length; i++) m[Alphabet[i]] = (sbyte)i;
        return m;
    }

    public static string Encode(ReadOnlySpan<byte> data)
    {
        int zeros = 0;
        while (zeros < data.Length && data[zeros] == 0) zeros++;
        var b58 = new byte[(data.Length - zeros) * 138 / 100 + 1];
        int length = 0;
        for (int i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            int j = 0;
            for (int k = b58.Length - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 256 * b58[k];
                b58[k] = (byte)(carry % 58);
                carry /= 58;
            }
            length = j;
        }
        int it = b58.Length - length;
        while (it < b58.Length && b58[it] == 0) it++;
        var sb = new System.Text.StringBuilder(zeros + b58.Length - it);
        sb.Append('1', zeros);
        for (; it < b58.Length; it++) sb.Append(Alphabet[b58[it]]);
        return sb.ToString();
    }

    public static byte[] Decode(string s)
    {
        if (s.Length > 512) throw new FormatException("base58 string too long");
        int zeros = 0;
        while (zeros < s.Length && s[zeros] == '1') zeros++;
        var b256 = new byte[(s.Length - zeros) * 733 / 1000 + 1];
        int length = 0;
        for (int i = zeros; i < s.Length; i++)
        {
            char c = s[i];
            int carry = c < 128 ? Map[c] : -1;
            if (carry < 0) throw new FormatException($"invalid base58 character '{c}'");
            int j = 0;
            for (int k = b256.Length - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 58 * b256[k];
                b256[k] = (byte)(carry % 256);
                carry /= 256;
            }
            length = j;
        }
        int it = b256.Length - length;
        while (it < b256.Length && b256[it] == 0) it++;
        var result = new byte[zeros + b256.Length - it];
        b256.AsSpan(it).CopyTo(result.AsSpan(zeros));
        return result;
    }
}
