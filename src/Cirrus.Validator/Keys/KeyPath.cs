using System.Globalization;

namespace Cirrus.Validator.Keys;

/// <summary>
/// EIP-2334 key paths: "m" then "/index" steps, each 0 &lt;= index &lt; 2^32. Eth2 validators use
/// m/12381/3600/i/0 for the withdrawal key and m/12381/3600/i/0/0 for the signing key.
/// </summary>
public static class KeyPath
{
    public const uint Purpose = 12381, CoinType = 3600;

    /// <summary>The indices of a path; throws ValidatorException when it is not of the form m/a/b/….</summary>
    public static uint[] Parse(string path)
    {
        string[] parts = path.Split('/');
        if (parts[0] != "m") throw new ValidatorException($"key path '{path}' does not start with 'm'");
        var result = new uint[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
        {
            string p = parts[i];
            // Digits only: no sign, spaces or hardened-key marks; no leading zeros that would make two spellings.
            bool digits = p.Length > 0 && p.Length <= 10 && p.All(char.IsAsciiDigit) && (p.Length == 1 || p[0] != '0');
            if (!digits || !uint.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out result[i - 1]))
                throw new ValidatorException($"key path '{path}': '{p}' is not an index below 2^32");
        }
        return result;
    }

    /// <summary>m/12381/3600/i/0/0, validator i's signing key.</summary>
    public static string Signing(uint validatorIndex) => $"m/{Purpose}/{CoinType}/{validatorIndex}/0/0";

    /// <summary>m/12381/3600/i/0, validator i's withdrawal key.</summary>
    public static string Withdrawal(uint validatorIndex) => $"m/{Purpose}/{CoinType}/{validatorIndex}/0";

    /// <summary>The validator index of an eth2 signing path m/12381/3600/i/0/0, or null for any other path.</summary>
    public static uint? SigningIndex(string path)
    {
        uint[] p;
        try { p = Parse(path); }
        catch (ValidatorException) { return null; }
        return p is [Purpose, CoinType, var i, 0, 0] ? i : null;
    }
}
