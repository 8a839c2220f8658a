namespace Cirrus.Cli;

/// <summary>Bounded, atomic file access for the commands: every I/O failure becomes a one-line <see cref="CliException"/>.</summary>
public static class CliFiles
{
    /// <summary>
    /// Reads a whole input file of at most <paramref name="maxBytes"/> (what <paramref name="what"/>, e.g. "a keystore",
    /// can be), turning I/O failures and oversized inputs into one-line errors.
    /// </summary>
    public static byte[] ReadFile(string path, long maxBytes, string what)
    {
        try { return Cirrus.Validator.BoundedFile.ReadAllBytes(path, maxBytes, what); }
        catch (FileNotFoundException) { throw new CliException($"file not found: {path}"); }
        catch (DirectoryNotFoundException) { throw new CliException($"file not found: {path}"); }
        catch (UnauthorizedAccessException) { throw new CliException($"permission denied: {path}"); }
        catch (IOException e) { throw new CliException($"cannot read {path}: {e.Message}"); }
    }

    /// <summary>An SSZ file of type <paramref name="type"/>: bounded by the type's largest encoding (a state by a practical cap).</summary>
    public static byte[] ReadSszFile(string path, Cirrus.Ssz.SszType type, string what) =>
        ReadFile(path, (long)Math.Min(type.MaxSize, (ulong)Cirrus.Validator.BoundedFile.MaxStateBytes), what);

    /// <summary>A network directory's file (null when absent): genesis.ssz is a state, the rest small text.</summary>
    public static byte[]? ReadNetworkFile(string path)
    {
        if (!File.Exists(path)) return null;
        bool state = path.EndsWith(".ssz", StringComparison.Ordinal);
        return ReadFile(path, state ? Cirrus.Validator.BoundedFile.MaxStateBytes : Cirrus.Validator.BoundedFile.MaxTextBytes,
            state ? "a genesis state" : "a network config file");
    }

    /// <summary>Writes a file via a temporary sibling and a rename, so a failure leaves no half file.</summary>
    public static void WriteFileAtomic(string path, ReadOnlySpan<byte> data)
    {
        string tmp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            File.WriteAllBytes(tmp, data.ToArray());
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new CliException($"cannot write {path}: {e.Message}");
        }
    }
}
