namespace Cirrus.Networking.Discovery;

/// <summary>
/// The node's secp256k1 identity in the data dir: a text file holding the 32-byte secret as hex,
/// created with owner-only permissions. Invalid content throws <see cref="InvalidDataException"/>.
/// </summary>
public static class NodeKeyFile
{
    public const string DefaultFileName = "node-key";

    public static Secp256k1Key LoadOrCreate(string path)
    {
        if (File.Exists(path)) return Load(path);
        var key = Secp256k1Key.Generate();
        Save(path, key);
        return key;
    }

    public static Secp256k1Key Load(string path)
    {
        var text = File.ReadAllText(path).Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) text = text[2..];
        if (text.Length != 64 || !text.All(char.IsAsciiHexDigit))
            throw new InvalidDataException($"{path}: expected a 32-byte secp256k1 secret as 64 hex characters");
        try { return Secp256k1Key.FromBytes(Convert.FromHexString(text)); }
        catch (ArgumentException) { throw new InvalidDataException($"{path}: not a valid secp256k1 secret"); }
    }

    public static void Save(string path, Secp256k1Key key) => WriteAtomically(path, Convert.ToHexStringLower(key.ToBytes()) + "\n", ownerOnly: true);

    /// <summary>Writes a temp file beside <paramref name="path"/> and renames it over, so readers never see half a file.</summary>
    internal static void WriteAtomically(string path, string text, bool ownerOnly)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (ownerOnly && !OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var fs = new FileStream(tmp, options))
        using (var w = new StreamWriter(fs))
            w.Write(text);
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>
/// The local ENR in the data dir, so its sequence number keeps growing across restarts: a stored record
/// with the same key and content is reused, otherwise a new one is signed with a higher sequence.
/// </summary>
public static class LocalEnrFile
{
    public const string DefaultFileName = "enr";

    public static Enr LoadOrBuild(string path, Secp256k1Key key, Action<EnrBuilder> configure)
    {
        Enr? stored = null;
        if (File.Exists(path) && Enr.TryParse(File.ReadAllText(path), out var e) && e!.NodeId.AsSpan().SequenceEqual(key.NodeId))
            stored = e;
        var builder = new EnrBuilder { Seq = stored?.Seq ?? 1 };
        configure(builder);
        var candidate = builder.Build(key);
        if (stored is not null && SamePairs(stored, candidate)) return stored;
        if (stored is not null)
        {
            builder.Seq = stored.Seq + 1;
            candidate = builder.Build(key);
        }
        Save(path, candidate);
        return candidate;
    }

    public static void Save(string path, Enr enr) => NodeKeyFile.WriteAtomically(path, enr.ToText() + "\n", ownerOnly: false);

    private static bool SamePairs(Enr a, Enr b)
    {
        if (a.RawPairs.Count != b.RawPairs.Count) return false;
        foreach (var (k, v) in a.RawPairs)
            if (!b.RawPairs.TryGetValue(k, out var w) || !v.AsSpan().SequenceEqual(w)) return false;
        return true;
    }
}
