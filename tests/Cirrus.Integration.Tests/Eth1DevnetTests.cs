using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Cirrus.Integration.Tests;

/// <summary>
/// Eth1 deposits end to end against a real eth1 node (ganache 7.9.2, installed by scripts/setup-ganache.sh):
/// genesis from the deposit contract's deposits, new deposits sent with `cirrus deposits send`, voted in,
/// included and activated; the eth1 node killed and restarted; a beacon node restarted without refetching logs.
/// </summary>
[Collection(LiveCollection.Name)]
public sealed partial class Eth1DevnetTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-eth1-it-" + Guid.NewGuid().ToString("N"));
    private const string AccountKey = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
    private const string Mnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The ganache binary; fails (never skips) when it is not installed.</summary>
    internal static string Ganache()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "tests", "Cirrus.Integration.Tests"))) dir = dir.Parent;
        Assert.NotNull(dir);
        string bin = Path.Combine(dir!.FullName, "tests", "eth1-ganache", "node_modules", ".bin", "ganache");
        Assert.True(File.Exists(bin), $"ganache is not installed at {bin}: run scripts/setup-ganache.sh (scripts/test.sh runs it)");
        return bin;
    }

    private ExternalProcess StartGanache(int port) =>
        ExternalProcess.Start(Ganache(), [
            "--server.host", "127.0.0.1", "--server.port", port.ToString(CultureInfo.InvariantCulture), "--chain.chainId", "1337",
            "--chain.networkId", "1337", "--miner.blockTime", "1", "--wallet.accounts", $"0x{AccountKey},100000000000000000000000",
            "--database.dbPath", Path.Combine(_dir, "eth1-db"), "--logging.quiet"], _dir);

    private static async Task<bool> Answers(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            var r = await http.PostAsync(url, new StringContent("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[]}", System.Text.Encoding.UTF8, "application/json"));
            return r.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
    }

    private static async Task<(string Status, ulong Balance)?> ValidatorAt(HttpClient http, int index)
    {
        var r = await http.GetAsync($"/eth/v1/beacon/states/head/validators/{index}");
        if (!r.IsSuccessStatusCode) return null;
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var d = doc.RootElement.GetProperty("data");
        return (d.GetProperty("status").GetString()!, ulong.Parse(d.GetProperty("balance").GetString()!, CultureInfo.InvariantCulture));
    }

    private static async Task<long?> Metric(int port, string name)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            foreach (var line in (await http.GetStringAsync($"http://127.0.0.1:{port}/metrics")).Split('\n'))
                if (line.StartsWith(name + " ", StringComparison.Ordinal)) return (long)double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
        return null;
    }

    private async Task<(int Code, string Output)> Cli(params string[] args)
    {
        var (code, output) = await NodeProcess.RunToExitAsync(args, TimeSpan.FromMinutes(3));
        log.WriteLine($"$ cirrus {string.Join(' ', args)}\n{output}");
        return (code, output);
    }

    [Fact]
    public async Task GenesisFromDepositsNewDepositsActivateAcrossAnEth1OutageAndARestartDoesNotRefetchLogs()
    {
        Directory.CreateDirectory(_dir);
        int eth1Port = NodeProcess.FreePort(), rest = NodeProcess.FreePorts(1);
        string eth1 = $"http://127.0.0.1:{eth1Port}";
        string keyFile = Path.Combine(_dir, "account.key");
        File.WriteAllText(keyFile, AccountKey);
        var ganache = StartGanache(eth1Port);
        NodeProcess? devnet = null, vc = null;
        try
        {
            Assert.True(await ApiHelpers.Eventually(() => Answers(eth1), TimeSpan.FromSeconds(60)), "ganache did not answer:\n" + ganache.Output);
            string dn = Path.Combine(_dir, "devnet"), network = Path.Combine(dn, "network");
            devnet = NodeProcess.Spawn(["devnet", "--eth1-endpoint", eth1, "--eth1-key-file", keyFile, "--nodes", "1", "--validators", "64",
                "--validator-clients", "1", "--seconds-per-slot", "2", "--rest-port", rest.ToString(CultureInfo.InvariantCulture), "--dir", dn, "--timeout", "900"]);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{rest}"), Timeout = TimeSpan.FromSeconds(10) };
            async Task<ulong> HeadSlot()
            {
                try { return (await ApiHelpers.HeadOf(http)).Slot; }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException) { return 0; }
            }
            Assert.True(await ApiHelpers.Eventually(async () => await HeadSlot() >= 2, TimeSpan.FromSeconds(120)), "the eth1 devnet did not start:\n" + devnet.Output);
            Assert.Contains("genesis from eth1 block", devnet.Output);
            string nodeLog() => File.ReadAllText(Path.Combine(dn, "node0.log"));
            Assert.Contains("the genesis state's 64 deposits", nodeLog());

            // The eth1 node dies: the beacon chain goes on, voting falls back, the node says so once.
            ganache.Dispose();
            ulong before = await HeadSlot();
            Assert.True(await ApiHelpers.Eventually(async () => await HeadSlot() >= before + 5, TimeSpan.FromSeconds(40)), "no blocks while eth1 was down");
            Assert.Contains("eth1: no endpoint answers", nodeLog());
            Assert.Contains("eth1 unreachable", nodeLog());
            Assert.Single(Regex.Matches(nodeLog(), "eth1: no endpoint answers")); // once a minute, not per slot
            ganache = StartGanache(eth1Port); // same database: the chain it had
            Assert.True(await ApiHelpers.Eventually(() => Answers(eth1), TimeSpan.FromSeconds(60)), "ganache did not restart:\n" + ganache.Output);

            // Four new validators: keys and deposit data, checked and sent.
            string keys = Path.Combine(_dir, "keys"), mnemonicFile = Path.Combine(_dir, "mnemonic.txt"), pw = Path.Combine(_dir, "pw.txt");
            File.WriteAllText(mnemonicFile, Mnemonic);
            File.WriteAllText(pw, "devnet-password");
            Assert.Equal(0, (await Cli("deposits", "create", "--count", "4", "--mnemonic-file", mnemonicFile, "--out", keys, "--network-dir", network,
                "--password-file", pw, "--kdf", "pbkdf2")).Code);
            string depositData = Directory.GetFiles(keys, "deposit_data-*.json").Single();
            var wrong = await Cli("deposits", "send", "--eth1-endpoint", eth1, "--deposit-data", depositData, "--from-key", keyFile, "--network", "mainnet");
            Assert.Equal(1, wrong.Code);
            Assert.Contains("fork version", wrong.Output);
            var dry = await Cli("deposits", "send", "--eth1-endpoint", eth1, "--deposit-data", depositData, "--from-key", keyFile, "--network-dir", network, "--dry-run");
            Assert.Equal(0, dry.Code);
            Assert.Contains("nothing was sent", dry.Output);
            var sent = await Cli("deposits", "send", "--eth1-endpoint", eth1, "--deposit-data", depositData, "--from-key", keyFile, "--network-dir", network);
            Assert.Equal(0, sent.Code);
            Assert.Contains("sent 4 deposit(s)", sent.Output);
            var again = await Cli("deposits", "send", "--eth1-endpoint", eth1, "--deposit-data", depositData, "--from-key", keyFile, "--network-dir", network);
            Assert.Equal(1, again.Code);
            Assert.Contains("already deposited", again.Output);

            string vcDir = Path.Combine(_dir, "vc-new");
            Assert.Equal(0, (await Cli("validator-client", "import", "--keystores", keys, "--data-dir", vcDir, "--password-file", pw)).Code);
            vc = NodeProcess.Spawn(["validator-client", "--network-dir", network, "--beacon-node", $"http://127.0.0.1:{rest}", "--data-dir", vcDir]);

            // Voted in, included with valid proofs (the node imports its own blocks with every check), activated, attesting.
            Assert.True(await ApiHelpers.Eventually(async () => await ValidatorAt(http, 67) is not null, TimeSpan.FromSeconds(150), 1000),
                "the new deposits were not included:\n" + string.Join('\n', nodeLog().Split('\n').Where(l => l.Contains("eth1")).TakeLast(20)));
            log.WriteLine($"deposits included at head slot {await HeadSlot()}");
            Assert.True(await ApiHelpers.Eventually(async () =>
            {
                for (int i = 64; i < 68; i++)
                    if (await ValidatorAt(http, i) is not { } v || v.Status != "active_ongoing" || v.Balance <= 32_000_000_000) return false;
                return true;
            }, TimeSpan.FromSeconds(240), 2000), "the new validators did not become active and earn: " +
                string.Join(", ", await Task.WhenAll(Enumerable.Range(64, 4).Select(async i => (await ValidatorAt(http, i))?.ToString() ?? "missing"))));
            log.WriteLine($"the 4 new validators active with growing balances at head slot {await HeadSlot()}");
            Assert.Contains("new deposit(s) in blocks", nodeLog());
            Assert.DoesNotContain("   at ", nodeLog());

            // A beacon node that follows the same contract, restarted: the deposit history comes from its database.
            string data = Path.Combine(_dir, "follower");
            int metrics = NodeProcess.FreePort();
            string[] followerArgs = ["beacon-node", "--network-dir", network, "--data-dir", data, "--rest-port", "0", "--eth1-endpoint", eth1,
                "--eth1-log-range", "4", "--metrics-port", metrics.ToString(CultureInfo.InvariantCulture), "--no-discovery"];
            // Each count is read once the follower's first round is done ("eth1: following" is logged after it has
            // scanned every log up to the follow block): the history on the first start, only the blocks mined
            // while it was stopped after the restart.
            long firstRun, firstCalls;
            using (var f = await NodeProcess.StartAsync(followerArgs))
            {
                Assert.True(await ApiHelpers.Eventually(async () => f.Output.Contains("eth1: following") && await Metric(metrics, "cirrus_eth1_get_logs_requests") is not null,
                    TimeSpan.FromSeconds(90)), f.Output);
                firstRun = (await Metric(metrics, "cirrus_eth1_get_logs_requests"))!.Value;
                firstCalls = (await Metric(metrics, "cirrus_eth1_rpc_requests"))!.Value;
                Assert.Equal(68, await Metric(metrics, "cirrus_eth1_deposit_count"));
                Assert.Equal(0, await f.StopAsync(TimeSpan.FromSeconds(30)));
            }
            using (var f = await NodeProcess.StartAsync(followerArgs))
            {
                Assert.Contains("resuming from the stored snapshot: 68 deposits", f.Output);
                Assert.True(await ApiHelpers.Eventually(async () => f.Output.Contains("eth1: following") && await Metric(metrics, "cirrus_eth1_get_logs_requests") is not null,
                    TimeSpan.FromSeconds(60)), f.Output);
                long secondRun = (await Metric(metrics, "cirrus_eth1_get_logs_requests"))!.Value;
                long secondCalls = (await Metric(metrics, "cirrus_eth1_rpc_requests"))!.Value;
                var resumed = Regex.Match(f.Output, @"logs scanned up to block (\d+)");
                var following = Regex.Match(f.Output, @"eth1: following \S+: block (\d+)");
                log.WriteLine($"first start: {firstRun} eth_getLogs of {firstCalls} eth1 requests; after the restart: {secondRun} eth_getLogs of {secondCalls} " +
                              $"(resumed after block {resumed.Groups[1].Value}, followed to block {following.Groups[1].Value})");
                ulong gap = ulong.Parse(following.Groups[1].Value, CultureInfo.InvariantCulture) - ulong.Parse(resumed.Groups[1].Value, CultureInfo.InvariantCulture);
                Assert.True(firstRun >= 20, $"first run made only {firstRun} eth_getLogs requests");
                Assert.True((ulong)secondRun <= gap / 4 + 2, $"after the restart {secondRun} eth_getLogs requests for {gap} new blocks (first run {firstRun})");
                Assert.True(secondRun * 3 < firstRun, $"after the restart {secondRun} eth_getLogs requests, first run {firstRun}");
                Assert.Equal(68, await Metric(metrics, "cirrus_eth1_deposit_count"));
                Assert.Equal(0, await f.StopAsync(TimeSpan.FromSeconds(30)));
            }
        }
        finally
        {
            if (vc is not null) { await vc.StopAsync(TimeSpan.FromSeconds(20)); log.WriteLine("---- new validators' client ----\n" + vc.Output); vc.Dispose(); }
            if (devnet is not null)
            {
                await devnet.StopAsync(TimeSpan.FromSeconds(60));
                log.WriteLine("---- devnet ----\n" + devnet.Output);
                devnet.Dispose();
            }
            ganache.Dispose();
        }
    }
}
