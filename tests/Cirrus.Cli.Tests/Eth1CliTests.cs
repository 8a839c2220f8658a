namespace Cirrus.Cli.Tests;

/// <summary>Bad input to the eth1 commands and flags: one line, the right exit code, nothing sent.</summary>
public sealed class Eth1CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cirrus-eth1-cli-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);
    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>One minimal-preset deposit made by `deposits create`; returns its deposit-data file.</summary>
    private string CreateDepositData()
    {
        File.WriteAllText(P("mnemonic.txt"), "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        File.WriteAllText(P("pw.txt"), "a-long-password");
        Assert.Equal(0, Cli.Run("deposits", "create", "--count", "1", "--mnemonic-file", P("mnemonic.txt"), "--out", P("out"), "--network", "minimal",
            "--password-file", P("pw.txt"), "--kdf", "pbkdf2").Code);
        return Directory.GetFiles(P("out"), "deposit_data-*.json").Single();
    }

    private static void OneLine(string err, string expected)
    {
        Assert.Contains(expected, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void DepositsSendRejectsBadInputBeforeAnyNetworkCall()
    {
        File.WriteAllText(P("key"), "0x" + new string('1', 64));
        File.WriteAllText(P("garbage.json"), "{ not json");
        File.WriteAllText(P("empty.json"), "[]");
        var (code, _, err) = Cli.Run("deposits", "send", "--eth1-endpoint", "ftp://x", "--deposit-data", P("empty.json"), "--from-key", P("key"), "--network", "minimal");
        Assert.Equal(2, code);
        OneLine(err, "not an http(s) URL");
        (code, _, err) = Cli.Run("deposits", "send", "--eth1-endpoint", "http://127.0.0.1:1", "--deposit-data", P("garbage.json"), "--from-key", P("key"), "--network", "minimal");
        Assert.Equal(1, code);
        OneLine(err, "not valid JSON");
        (code, _, err) = Cli.Run("deposits", "send", "--eth1-endpoint", "http://127.0.0.1:1", "--deposit-data", P("empty.json"), "--from-key", P("key"), "--network", "minimal");
        Assert.Equal(1, code);
        OneLine(err, "no deposits");
        (code, _, err) = Cli.Run("deposits", "send", "--eth1-endpoint", "http://127.0.0.1:1", "--deposit-data", P("empty.json"), "--network", "minimal");
        Assert.Equal(2, code);
        OneLine(err, "--from-key");
    }

    [Fact]
    public void DepositsSendSaysWhenTheEth1NodeIsNotThere()
    {
        string data = CreateDepositData();
        File.WriteAllText(P("key"), new string('2', 64));
        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { l.Start(); port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port; }
        var (code, _, err) = Cli.Run("deposits", "send", "--eth1-endpoint", $"http://127.0.0.1:{port}", "--deposit-data", data, "--from-key", P("key"), "--network", "minimal");
        Assert.Equal(1, code);
        OneLine(err, $"127.0.0.1:{port}");
        // Deposit data of another network is refused before anything is asked of the eth1 node.
        (code, _, err) = Cli.Run("deposits", "send", "--eth1-endpoint", $"http://127.0.0.1:{port}", "--deposit-data", data, "--from-key", P("key"), "--network", "mainnet");
        Assert.Equal(1, code);
        OneLine(err, "fork version");
    }

    [Fact]
    public void DepositsSendReadsAnEthereumKeystoreAndRefusesAWrongPassword()
    {
        string data = CreateDepositData();
        var key = Convert.FromHexString(new string('3', 64));
        var address = new Nethereum.Signer.EthECKey(key, true).GetPublicAddress();
        var scrypt = new Nethereum.KeyStore.KeyStoreScryptService();
        var p = new Nethereum.KeyStore.Model.ScryptParams { Dklen = 32, N = 1024, R = 8, P = 1 }; // a fast keystore for the test
        File.WriteAllText(P("keystore.json"), scrypt.EncryptAndGenerateKeyStoreAsJson("eth1-password", key, address, p));
        File.WriteAllText(P("ks-pw.txt"), "eth1-password");
        File.WriteAllText(P("bad-pw.txt"), "not-the-password");
        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { l.Start(); port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port; }
        string[] common = ["deposits", "send", "--eth1-endpoint", $"http://127.0.0.1:{port}", "--deposit-data", data, "--network", "minimal", "--keystore", P("keystore.json")];
        var (code, _, err) = Cli.Run([.. common, "--keystore-password-file", P("bad-pw.txt")]);
        Assert.Equal(1, code);
        OneLine(err, "cannot decrypt the keystore");
        (code, _, err) = Cli.Run([.. common, "--keystore-password-file", P("ks-pw.txt")]);
        Assert.Equal(1, code);
        OneLine(err, $"127.0.0.1:{port}"); // decrypted; then the absent eth1 node is the error
        (code, _, err) = Cli.Run([.. common]);
        Assert.Equal(2, code);
        OneLine(err, "--keystore-password-file");
    }

    [Fact]
    public void DevnetEth1WithoutGanacheSaysHowToInstallIt()
    {
        var (code, _, err) = Cli.Run("devnet", "--eth1", "--ganache", P("no-such-ganache"), "--eth1-port", "0", "--dir", P("dn"));
        Assert.Equal(2, code);
        OneLine(err, "--eth1-port");
        int port;
        using (var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { l.Start(); port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port; }
        (code, _, err) = Cli.Run("devnet", "--eth1", "--ganache", P("no-such-ganache"), "--eth1-port", port.ToString(), "--dir", P("dn3"),
            "--rest-port", (port + 1).ToString());
        Assert.Equal(1, code);
        OneLine(err, "scripts/setup-ganache.sh");
    }

    [Fact]
    public void BeaconNodeRejectsABadEth1Endpoint()
    {
        var (code, _, err) = Cli.Run("beacon-node", "--network", "minimal", "--data-dir", P("db"), "--eth1-endpoint", "not a url");
        Assert.Equal(2, code);
        OneLine(err, "--eth1-endpoint");
        (code, _, err) = Cli.Run("beacon-node", "--network", "minimal", "--data-dir", P("db"), "--eth1-endpoint", "http://127.0.0.1:1", "--eth1-log-range", "0");
        Assert.Equal(2, code);
        OneLine(err, "--eth1-log-range");
    }
}
