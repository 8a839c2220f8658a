using Cirrus.Consensus.Genesis;
using Cirrus.Validator.Keys;

namespace Cirrus.Validator.Tests.Keys;

public sealed class ValidatorDataDirTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-keys-" + Guid.NewGuid().ToString("N"));

    public ValidatorDataDirTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteKeystore(ulong index, string password)
    {
        using var key = InteropGenesis.SecretKey(index);
        var ks = Keystore.Encrypt(key, password, KeyPath.Signing((uint)index), KeystoreKdf.Pbkdf2(c: 8));
        string file = Path.Combine(_dir, $"keystore-{index}.json");
        File.WriteAllText(file, ks.ToJson());
        return file;
    }

    [Fact]
    public void ImportThenLoad()
    {
        string a = WriteKeystore(1, "pw-a"), b = WriteKeystore(2, "pw-b");
        var dd = new ValidatorDataDir(Path.Combine(_dir, "data"));
        var r = dd.Import([(a, "pw-a"), (b, "pw-b")]);
        Assert.Equal([a, b], r.Imported);
        Assert.Empty(r.Skipped);

        using var k1 = InteropGenesis.SecretKey(1);
        string pk1 = k1.PublicKey.ToString();
        Assert.Equal(File.ReadAllText(a), File.ReadAllText(dd.KeystorePath(pk1)));
        Assert.Equal("pw-a", File.ReadAllText(dd.SecretPath(pk1)));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dd.SecretPath(pk1)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dd.SecretsDir));
        }

        var keys = ValidatorKeyLoader.Load(dd.Root);
        Assert.Equal(2, keys.Count);
        using var k2 = InteropGenesis.SecretKey(2);
        var expected = new[] { k1.PublicKey.ToString(), k2.PublicKey.ToString() }.Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, keys.Select(k => k.PubkeyHex).ToArray());
        Assert.Equal(k1.ToBytes(), keys.Single(k => k.PubkeyHex == pk1).SecretKey.ToBytes());
        foreach (var k in keys) k.Dispose();
    }

    [Fact]
    public void DuplicatesAreSkipped()
    {
        string a = WriteKeystore(3, "x");
        string copy = Path.Combine(_dir, "copy.json");
        File.Copy(a, copy);
        var dd = new ValidatorDataDir(Path.Combine(_dir, "data"));
        var r = dd.Import([(a, "x"), (copy, "x")]);
        Assert.Single(r.Imported);
        Assert.Equal([copy], r.Skipped);
        var again = dd.Import([(a, "x")]);
        Assert.Empty(again.Imported);
        Assert.Single(again.Skipped);
        Assert.Single(dd.Pubkeys());
    }

    [Fact]
    public void WrongPasswordImportsNothingForThatKeystore()
    {
        string a = WriteKeystore(4, "right");
        var dd = new ValidatorDataDir(Path.Combine(_dir, "data"));
        var e = Assert.Throws<ValidatorException>(() => dd.Import([(a, "wrong")]));
        Assert.Equal($"wrong password for keystore {a}", e.Message);
        Assert.Empty(dd.Pubkeys());
    }

    [Fact]
    public void LoaderReportsAMissingOrWrongSecret()
    {
        string a = WriteKeystore(5, "s");
        var dd = new ValidatorDataDir(Path.Combine(_dir, "data"));
        dd.Import([(a, "s")]);
        string pk = dd.Pubkeys()[0];
        File.WriteAllText(dd.SecretPath(pk), "not it");
        var e = Assert.Throws<ValidatorException>(() => ValidatorKeyLoader.Load(dd.Root));
        Assert.Equal($"wrong password for keystore {dd.KeystorePath(pk)}", e.Message);
        File.Delete(dd.SecretPath(pk));
        e = Assert.Throws<ValidatorException>(() => ValidatorKeyLoader.Load(dd.Root));
        Assert.Contains("no readable secret", e.Message);
    }

    [Fact]
    public void KeystoreUnderAnotherValidatorsNameIsRefused()
    {
        string a = WriteKeystore(6, "s"), b = WriteKeystore(7, "s");
        var dd = new ValidatorDataDir(Path.Combine(_dir, "data"));
        dd.Import([(a, "s"), (b, "s")]);
        var pks = dd.Pubkeys();
        File.Copy(dd.KeystorePath(pks[0]), dd.KeystorePath(pks[1]), overwrite: true);
        var e = Assert.Throws<ValidatorException>(() => ValidatorKeyLoader.Load(dd.Root));
        Assert.Contains("another validator", e.Message);
    }

    [Fact]
    public void DataDirThatIsAFileIsOneClearError()
    {
        string a = WriteKeystore(8, "s");
        string file = Path.Combine(_dir, "plain-file");
        File.WriteAllText(file, "x");
        var e = Assert.Throws<ValidatorException>(() => new ValidatorDataDir(file).Import([(a, "s")]));
        Assert.StartsWith("cannot create directory ", e.Message);
    }

    [Fact]
    public void EmptyOrMissingDataDirHasNoKeys() => Assert.Empty(ValidatorKeyLoader.Load(Path.Combine(_dir, "none")));

    [Fact]
    public void InteropKeysAreTheInteropGenesisKeys()
    {
        var keys = InteropKeySource.Keys(10, 3);
        Assert.Equal(3, keys.Count);
        for (int i = 0; i < 3; i++)
        {
            using var k = InteropGenesis.SecretKey(10 + (ulong)i);
            Assert.Equal(k.ToBytes(), keys[i].SecretKey.ToBytes());
            Assert.Equal(k.PublicKey, keys[i].PublicKey);
        }
        Assert.Throws<ValidatorException>(() => InteropKeySource.Keys(ulong.MaxValue, 2));
    }
}
