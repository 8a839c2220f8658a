namespace Cirrus.Validator;

/// <summary>
/// Reads whole input files with an upper bound, so that /dev/zero, a FIFO or a huge sparse file
/// given by mistake ends in one IOException instead of exhausting memory.
/// </summary>
public static class BoundedFile
{
    public const long KiB = 1024, MiB = 1024 * KiB;

    /// <summary>Upper bound for an SSZ BeaconState: about two million validators, far above any phase0 network.</summary>
    public const long MaxStateBytes = 512 * MiB;
    /// <summary>Config YAML, keystores, bootnode lists: small text files.</summary>
    public const long MaxTextBytes = 4 * MiB;
    /// <summary>Passwords and mnemonics.</summary>
    public const long MaxSecretBytes = 64 * KiB;
    /// <summary>An EIP-3076 interchange file (a few hundred bytes per record and validator).</summary>
    public const long MaxInterchangeBytes = 512 * MiB;

    /// <summary>The file's bytes; IOException when it holds more than <paramref name="maxBytes"/> (<paramref name="what"/> names the format).</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes, string what)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        // Regular files say their size up front; devices and pipes report 0 or fail, and are read with the bound.
        long length = fs.CanSeek ? fs.Length : 0;
        if (length > maxBytes) throw TooLarge(path, maxBytes, what);
        using var ms = new MemoryStream(length > 0 ? (int)length : 0);
        byte[] buffer = new byte[64 * KiB];
        int n;
        while ((n = fs.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (ms.Length + n > maxBytes) throw TooLarge(path, maxBytes, what);
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    private static IOException TooLarge(string path, long max, string what) =>
        new($"{path} is larger than {Size(max)}, more than {what} can be");

    private static string Size(long n) => n >= MiB && n % MiB == 0 ? $"{n / MiB} MiB" : n >= KiB && n % KiB == 0 ? $"{n / KiB} KiB" : $"{n} bytes";
}
