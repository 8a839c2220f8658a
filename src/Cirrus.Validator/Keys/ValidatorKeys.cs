using System.Text;
using Cirrus.Consensus.Genesis;
using Cirrus.Crypto;

namespace Cirrus.Validator.Keys;

/// <summary>A validator's signing key and its public key. Dispose zeroes the secret.</summary>
public sealed class ValidatorKey(BlsSecretKey secretKey) : IDisposable
{
    public BlsSecretKey SecretKey { get; } = secretKey;
    public BlsPublicKey PublicKey { get; } = secretKey.PublicKey;

    /// <summary>"0x" + 96 hex digits, the name used in the data directory and the Beacon API.</summary>
    public string PubkeyHex => PublicKey.ToString();

    public void Dispose() => SecretKey.Dispose();
}

/// <summary>What one import did: keystores added and keystores skipped because their key was already there.</summary>
public sealed record ImportResult(IReadOnlyList<string> Imported, IReadOnlyList<string> Skipped);

/// <summary>
/// The validator client's key store in its data directory (see the Cirrus.Validator README):
/// <c>validators/0x&lt;pubkey&gt;/keystore.json</c> holds each EIP-2335 keystore as imported, and
/// <c>secrets/0x&lt;pubkey&gt;</c> its password, all readable by the owner only (files 0600, directories 0700):
/// an encrypted keystore is still private (its password may be weak).
/// </summary>
public sealed class ValidatorDataDir(string root)
{
    public string Root { get; } = root;
    public string ValidatorsDir => Path.Combine(Root, "validators");
    public string SecretsDir => Path.Combine(Root, "secrets");

    public string KeystorePath(string pubkeyHex) => Path.Combine(ValidatorsDir, pubkeyHex, "keystore.json");
    public string SecretPath(string pubkeyHex) => Path.Combine(SecretsDir, pubkeyHex);

    /// <summary>The 0x-prefixed public keys with a keystore directory, in ordinal order.</summary>
    public IReadOnlyList<string> Pubkeys()
    {
        if (!Directory.Exists(ValidatorsDir)) return [];
        string[] dirs;
        try { dirs = Directory.GetDirectories(ValidatorsDir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ValidatorException($"cannot read {ValidatorsDir}: {e.Message}");
        }
        var list = new List<string>();
        foreach (string d in dirs)
        {
            string name = Path.GetFileName(d);
            if (IsPubkeyName(name)) list.Add(name);
        }
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    private static bool IsPubkeyName(string s) =>
        s.Length == 98 && s.StartsWith("0x", StringComparison.Ordinal) && s.AsSpan(2).IndexOfAnyExcept("0123456789abcdef") < 0;

    /// <summary>
    /// Imports keystore files, each decrypted with its password first (so a wrong password fails here, not
    /// at start-up). Keystores whose key is already in the data directory, or earlier in the list, are skipped.
    /// Stops at the first keystore that cannot be decrypted; the ones before it stay imported.
    /// </summary>
    public ImportResult Import(IEnumerable<(string File, string Password)> keystores, Action<string>? progress = null)
    {
        var imported = new List<string>();
        var skipped = new List<string>();
        var seen = new HashSet<string>(Pubkeys(), StringComparer.Ordinal);
        foreach (var (file, password) in keystores)
        {
            byte[] raw;
            try { raw = BoundedFile.ReadAllBytes(file, BoundedFile.MaxTextBytes, "a keystore"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ValidatorException($"cannot read keystore {file}: {e.Message}");
            }
            var ks = Keystore.Parse(Encoding.UTF8.GetString(raw), file);
            using var key = ks.DecryptKey(password);
            string pk = key.PublicKey.ToString();
            if (!seen.Add(pk))
            {
                skipped.Add(file);
                progress?.Invoke($"skipped {file}: {pk} is already imported");
                continue;
            }
            CreateDirectory(Root, isPrivate: true, progress);
            CreateDirectory(ValidatorsDir, isPrivate: true, progress);
            CreateDirectory(Path.Combine(ValidatorsDir, pk), isPrivate: true, progress);
            CreateDirectory(SecretsDir, isPrivate: true, progress);
            WriteAtomic(SecretPath(pk), Encoding.UTF8.GetBytes(password), secret: true);
            WriteAtomic(KeystorePath(pk), raw, secret: true);
            imported.Add(file);
            progress?.Invoke($"imported {file} as {pk}");
        }
        return new ImportResult(imported, skipped);
    }

    private const UnixFileMode PrivateDir = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Restricts the data dir, its key directories, keystores and secrets to their owner (0700/0600),
    /// reporting each one that was looser through <paramref name="warn"/>.
    /// </summary>
    public void RestrictPermissions(Action<string> warn)
    {
        if (OperatingSystem.IsWindows() || !Directory.Exists(Root)) return;
        try
        {
            Restrict(Root, PrivateDir, warn);
            if (Directory.Exists(SecretsDir))
            {
                Restrict(SecretsDir, PrivateDir, warn);
                foreach (string f in Directory.GetFiles(SecretsDir)) Restrict(f, PrivateFile, warn);
            }
            if (Directory.Exists(ValidatorsDir))
            {
                Restrict(ValidatorsDir, PrivateDir, warn);
                foreach (string pk in Pubkeys())
                {
                    Restrict(Path.Combine(ValidatorsDir, pk), PrivateDir, warn);
                    if (File.Exists(KeystorePath(pk))) Restrict(KeystorePath(pk), PrivateFile, warn);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ValidatorException($"cannot restrict the permissions in {Root}: {e.Message}");
        }
    }

    private static void Restrict(string path, UnixFileMode mode, Action<string>? warn)
    {
        if (OperatingSystem.IsWindows()) return;
        var current = File.GetUnixFileMode(path);
        if ((current & GroupOrOther) == 0) return;
        File.SetUnixFileMode(path, current & ~GroupOrOther | mode);
        warn?.Invoke($"warning: {path} was accessible to other users (mode {Octal(current)}): restricted to {Octal(current & ~GroupOrOther | mode)}");
    }

    private static string Octal(UnixFileMode m) => Convert.ToString((int)m & 0x1FF, 8).PadLeft(4, '0');

    /// <summary>
    /// Creates a directory (with its parents); a private one only its owner can enter (0700 on Unix). An
    /// existing private directory open to others is restricted, with a warning.
    /// </summary>
    public static void CreateDirectory(string dir, bool isPrivate, Action<string>? warn = null)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                if (isPrivate) Restrict(dir, PrivateDir, warn);
                return;
            }
            if (isPrivate && !OperatingSystem.IsWindows())
            {
                string? parent = Path.GetDirectoryName(Path.GetFullPath(dir));
                if (parent != null) Directory.CreateDirectory(parent);
                Directory.CreateDirectory(dir, PrivateDir);
            }
            else Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ValidatorException($"cannot create directory {dir}: {e.Message}");
        }
    }

    /// <summary>Writes via a temporary sibling and a rename; a secret file is created 0600 from the start.</summary>
    public static void WriteAtomic(string path, byte[] data, bool secret)
    {
        string tmp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                options.UnixCreateMode = secret ? PrivateFile
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            using (var fs = new FileStream(tmp, options))
            {
                fs.Write(data);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw new ValidatorException($"cannot write {path}: {e.Message}");
        }
    }
}

/// <summary>Loads every validator key in a data directory, decrypting each keystore with its stored secret.</summary>
public static class ValidatorKeyLoader
{
    /// <summary>
    /// The keys under <paramref name="dataDir"/>, in public-key order. Throws ValidatorException naming the
    /// keystore when a secret is missing, the password is wrong, or the key does not match its directory.
    /// </summary>
    public static List<ValidatorKey> Load(string dataDir, int maxParallel = 2)
    {
        var dir = new ValidatorDataDir(dataDir);
        IReadOnlyList<string> pubkeys = dir.Pubkeys();
        var keys = new ValidatorKey?[pubkeys.Count];
        try
        {
            // Keystore KDFs are slow on purpose (scrypt: about a second each); use a few cores.
            Parallel.For(0, pubkeys.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxParallel) }, i =>
            {
                string pk = pubkeys[i];
                string secretFile = dir.SecretPath(pk);
                string password;
                try { password = Encoding.UTF8.GetString(BoundedFile.ReadAllBytes(secretFile, BoundedFile.MaxSecretBytes, "a password")); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ValidatorException($"no readable secret for validator {pk} ({secretFile})");
                }
                var key = Keystore.Load(dir.KeystorePath(pk)).DecryptKey(password);
                if (key.PublicKey.ToString() != pk)
                {
                    key.Dispose();
                    throw new ValidatorException($"keystore {dir.KeystorePath(pk)} holds the key of another validator");
                }
                keys[i] = new ValidatorKey(key);
            });
        }
        catch (AggregateException ae) when (ae.InnerExceptions.All(e => e is ValidatorException))
        {
            foreach (var k in keys) k?.Dispose();
            throw ae.InnerExceptions[0];
        }
        return keys.Select(k => k!).ToList();
    }
}

/// <summary>The interop (mocked-start) keys for devnets: InteropGenesis.SecretKey(i) for a range of indices.</summary>
public static class InteropKeySource
{
    public static List<ValidatorKey> Keys(ulong first, int count)
    {
        if (count < 0) throw new ValidatorException("the interop key count must not be negative");
        if (first + (ulong)count < first) throw new ValidatorException("the interop key range overflows");
        var keys = new ValidatorKey[count];
        Parallel.For(0, count, i => keys[i] = new ValidatorKey(InteropGenesis.SecretKey(first + (ulong)i)));
        return keys.ToList();
    }
}
