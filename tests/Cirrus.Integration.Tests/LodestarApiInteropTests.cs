using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Epoch;
using Cirrus.Consensus.Types;
using Xunit;
using Xunit.Abstractions;

namespace Cirrus.Integration.Tests;

/// <summary>
/// The REST API both ways against Lodestar 1.5.1 (a real client, installed by scripts/setup-lodestar.sh):
/// its validator client on our beacon node, and our validator client on its beacon node, each beside
/// the other side's own validator client, for more than four epochs of 2 s slots. Loopback only.
/// </summary>
[Collection(LodestarCollection.Name)]
public sealed partial class LodestarApiInteropTests(ITestOutputHelper log) : IDisposable
{
    internal const string Far = "18446744073709551615";
    private const int Epochs = 5; // the chain runs until the clock is in this epoch: epochs 0..4 complete
    private const ulong SecondsPerSlot = 2;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-lodestar-it-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // Later forks pushed past the end of time: a phase0-only chain.
    internal static readonly string[] ChainParams =
    [
        "--preset", "minimal", "--params.SECONDS_PER_SLOT", "2",
        "--params.ALTAIR_FORK_EPOCH", Far, "--params.BELLATRIX_FORK_EPOCH", Far,
        "--params.CAPELLA_FORK_EPOCH", Far, "--params.EIP4844_FORK_EPOCH", Far,
    ];

    internal static string InstallDir()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BeaconNode.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("repository root (BeaconNode.sln) not found");
        return Path.Combine(dir.FullName, "tests", "interop-lodestar");
    }

    /// <summary>The lodestar binary; fails (never skips) when it is not installed.</summary>
    internal static string Lodestar()
    {
        string bin = Path.Combine(InstallDir(), "node_modules", ".bin", "lodestar");
        Assert.True(File.Exists(bin), $"Lodestar 1.5.1 is not installed at {bin}: run scripts/setup-lodestar.sh (scripts/test.sh and make interop-lodestar run it)");
        return bin;
    }

    [Fact]
    public async Task LodestarsValidatorClientAndOursRunEveryDutyOnACirrusNode()
    {
        string lodestar = Lodestar();
        // The constants Lodestar's validator client checks against the node's: its own minimal preset and config.
        var spec = await LodestarPackagedSpecAsync();
        string network = Path.Combine(_dir, "network");
        var config = WriteNetworkDir(network, spec, "lodestar-interop");
        ulong genesisTime = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 25;
        var genesis = InteropGenesis.CreateGenesisState(config, 16, genesisTime);
        File.WriteAllBytes(Path.Combine(network, "genesis.ssz"), config.Schema.Serialize(genesis));

        using var node = await NodeProcess.StartAsync(["beacon-node", "--network-dir", network, "--data-dir", Path.Combine(_dir, "node"), "--rest-port", "0"]);
        string url = $"http://127.0.0.1:{node.Port}";
        using var ours = NodeProcess.Spawn(["validator-client", "--network-dir", network, "--beacon-node", url,
            "--data-dir", Path.Combine(_dir, "vc"), "--interop-validators", "8:8", "--no-doppelganger-protection"]);
        using var theirs = ExternalProcess.Start(lodestar, [
            "validator", .. ChainParams, "--dataDir", Path.Combine(_dir, "lodestar-vc"), "--server", url,
            "--interopIndexes", "0..7", "--metrics", "false", "--logLevel", "info"], InstallDir());
        try
        {
            await RunUntilEpochAsync(genesisTime, Epochs, () => node.HasExited || ours.HasExited || theirs.HasExited);
            Assert.False(node.HasExited || ours.HasExited || theirs.HasExited, "a process stopped early");
            await CheckChainAsync(node.Http, config, genesisTime);
            CheckOurValidatorClient(ours.Output);
            CheckLodestarLog(theirs.Output, beaconNode: false);
        }
        finally
        {
            log.WriteLine("---- our validator client ----\n" + ours.Output);
            log.WriteLine("---- Lodestar validator client ----\n" + theirs.Output);
            log.WriteLine("---- Cirrus beacon node ----\n" + node.Output);
        }
        Assert.Equal(0, await ours.StopAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, await node.StopAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task OurValidatorClientRunsEveryDutyOnALodestarNodeBesideItsOwn()
    {
        string lodestar = Lodestar();
        ulong genesisTime = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 25;
        int rest = NodeProcess.FreePort(), p2p = NodeProcess.FreePort();
        string url = $"http://127.0.0.1:{rest}";
        using var beacon = ExternalProcess.Start(lodestar, [
            "dev", .. ChainParams, "--genesisValidators", "16", "--startValidators", "0..7",
            "--genesisTime", genesisTime.ToString(CultureInfo.InvariantCulture), "--reset", "--dataDir", Path.Combine(_dir, "lodestar"),
            "--rest", "--rest.address", "127.0.0.1", "--rest.port", rest.ToString(CultureInfo.InvariantCulture), "--rest.namespace", "*",
            "--listenAddress", "127.0.0.1", "--port", p2p.ToString(CultureInfo.InvariantCulture), "--enr.ip", "127.0.0.1",
            "--discv5", "false", "--metrics", "false", "--logLevel", "info",
            // its own validator client would otherwise look for the node on the default port
            "--server", url], InstallDir());
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        Dictionary<string, string>? spec = null;
        Assert.True(await ApiHelpers.Eventually(async () => (spec = await SpecAsync(http)) is not null, TimeSpan.FromSeconds(60)),
            "Lodestar's REST API did not answer:\n" + beacon.Output);

        // Our client's network directory holds the node's own constants, as a user would write it.
        string network = Path.Combine(_dir, "network");
        var config = WriteNetworkDir(network, spec!, "lodestar-dev");
        using var ours = NodeProcess.Spawn(["validator-client", "--network-dir", network, "--beacon-node", url,
            "--data-dir", Path.Combine(_dir, "vc"), "--interop-validators", "8:8", "--no-doppelganger-protection"]);
        try
        {
            await RunUntilEpochAsync(genesisTime, Epochs, () => beacon.HasExited || ours.HasExited);
            Assert.False(beacon.HasExited || ours.HasExited, "a process stopped early");
            await CheckChainAsync(http, config, genesisTime);
            CheckOurValidatorClient(ours.Output);
            // Lodestar's node and its validator client share this log; read it before ours hangs up.
            CheckLodestarLog(beacon.Output, beaconNode: true);
        }
        finally
        {
            log.WriteLine("---- our validator client ----\n" + ours.Output);
            log.WriteLine("---- Lodestar beacon node and validator client ----\n" + beacon.Output);
        }
        Assert.Equal(0, await ours.StopAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>Lodestar's minimal preset and config as its own packages define them (what its config/spec serves).</summary>
    internal static async Task<Dictionary<string, string>> LodestarPackagedSpecAsync()
    {
        const string script =
            "import {chainConfigToJson} from '@lodestar/config';" +
            "import {config} from '@lodestar/config/default';" +
            "import {activePreset, presetToJson} from '@lodestar/params';" +
            "process.stdout.write(JSON.stringify({...chainConfigToJson(config), ...presetToJson(activePreset)}));";
        using var p = ExternalProcess.Start("node", ["--input-type=module", "-e", script], InstallDir(), ("LODESTAR_PRESET", "minimal"));
        Assert.Equal(0, await p.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        using var doc = JsonDocument.Parse(p.Stdout);
        return doc.RootElement.EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!);
    }

    internal static async Task<Dictionary<string, string>?> SpecAsync(HttpClient http)
    {
        using var r = await http.GetAsync("/eth/v1/config/spec");
        if (!r.IsSuccessStatusCode) return null;
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("data").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!);
    }

    /// <summary>
    /// config.yaml: PRESET_BASE minimal plus every value of <paramref name="spec"/> our config loader reads
    /// (Lodestar prints BLS_WITHDRAWAL_PREFIX as a number), with 2 s slots. Returns the config it loads as.
    /// </summary>
    internal static ChainConfig WriteNetworkDir(string dir, Dictionary<string, string> spec, string name)
    {
        Directory.CreateDirectory(dir);
        var yaml = new StringBuilder($"PRESET_BASE: minimal\nCONFIG_NAME: {name}\n");
        foreach (var (k, v) in spec.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!ChainConfig.Minimal.Values.ContainsKey(k) || k is "CONFIG_NAME" or "PRESET_BASE" or "SECONDS_PER_SLOT") continue;
            string value = k == "BLS_WITHDRAWAL_PREFIX" && !v.StartsWith("0x", StringComparison.Ordinal)
                ? "0x" + byte.Parse(v, CultureInfo.InvariantCulture).ToString("x2", CultureInfo.InvariantCulture) : v;
            yaml.Append(CultureInfo.InvariantCulture, $"{k}: '{value}'\n");
        }
        yaml.Append(CultureInfo.InvariantCulture, $"SECONDS_PER_SLOT: {SecondsPerSlot}\n");
        File.WriteAllText(Path.Combine(dir, "config.yaml"), yaml.ToString());
        return ChainConfig.FromYaml(yaml.ToString());
    }

    /// <summary>Waits until the wall clock is one slot into <paramref name="epoch"/>, or a process stopped.</summary>
    private static async Task RunUntilEpochAsync(ulong genesisTime, int epoch, Func<bool> stopped)
    {
        var end = DateTimeOffset.FromUnixTimeSeconds((long)(genesisTime + ((ulong)epoch * 8 + 1) * SecondsPerSlot));
        // bounded: genesis is 25 s away, so this is under 2 min 30 s
        Assert.True(end - DateTimeOffset.UtcNow < TimeSpan.FromMinutes(3));
        while (DateTimeOffset.UtcNow < end && !stopped()) await Task.Delay(500);
    }

    /// <summary>Every slot since genesis has its block, and the previous epoch's target votes hold ≥ 95 % of the stake.</summary>
    private async Task CheckChainAsync(HttpClient http, ChainConfig config, ulong genesisTime)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, "/eth/v2/debug/beacon/states/head");
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        using var resp = await http.SendAsync(req);
        Assert.True(resp.IsSuccessStatusCode, $"head state: {(int)resp.StatusCode}");
        var state = config.Schema.Deserialize<BeaconState>(await resp.Content.ReadAsByteArrayAsync());
        Assert.Equal(genesisTime, state.GenesisTime);
        var cs = new CachedBeaconState(config, state);
        Assert.True(cs.CurrentEpoch >= Epochs, $"head state at slot {state.Slot}, epoch {cs.CurrentEpoch}");
        var summary = new EpochSummary(cs);
        double participation = (double)summary.PrevTargetBalance / summary.TotalActiveBalance;
        log.WriteLine($"head slot {state.Slot}: previous-epoch target participation {participation:P1}, " +
                      $"justified {state.CurrentJustifiedCheckpoint.Epoch}, finalized {state.FinalizedCheckpoint.Epoch}");
        Assert.True(participation >= 0.95, $"previous-epoch target participation {participation:P1}");
        Assert.True(state.FinalizedCheckpoint.Epoch >= 2, $"finalized epoch {state.FinalizedCheckpoint.Epoch}");
        var missing = new List<ulong>();
        for (ulong slot = 1; slot < state.Slot; slot++)
        {
            using var r = await http.GetAsync($"/eth/v1/beacon/blocks/{slot}/root");
            if (!r.IsSuccessStatusCode) missing.Add(slot);
        }
        Assert.True(missing.Count == 0, $"no block at slot(s) {string.Join(", ", missing)}");
    }

    [GeneratedRegex(@"epoch (\d+) summary: proposals (\d+) done / (\d+) missed, attestations (\d+) done / (\d+) missed, aggregations (\d+) done / (\d+) missed")]
    private static partial Regex Summary();

    [GeneratedRegex(@": [45]\d\d [A-Z]")]
    private static partial Regex HttpError();

    private static void CheckOurValidatorClient(string output)
    {
        // the one warning expected is the one its --no-doppelganger-protection asks for
        var warnings = output.Split('\n').Where(l => l.Contains("WARNING") && !l.Contains("WARNING: doppelganger protection is off")).ToList();
        Assert.True(warnings.Count == 0, "warnings in our validator client's log: " + string.Join(" | ", warnings));
        Assert.DoesNotContain(": missed", output);
        Assert.DoesNotContain("cannot fetch duties", output);
        Assert.DoesNotContain("internal error", output);
        Assert.False(HttpError().IsMatch(output), "an HTTP error in our validator client's log: " + HttpError().Match(output).Value);
        var epochs = Summary().Matches(output).Select(m => m.Groups).ToList();
        Assert.True(epochs.Count >= Epochs - 1, $"{epochs.Count} epoch summaries");
        foreach (var g in epochs)
        {
            Assert.True(g[3].Value == "0" && g[5].Value == "0" && g[7].Value == "0", "missed duties: " + g[0].Value);
            Assert.True(int.Parse(g[4].Value, CultureInfo.InvariantCulture) == 8, "not every validator attested: " + g[0].Value);
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    internal static partial Regex Ansi();

    /// <summary>No error in Lodestar's log (its own validator client logs failed calls, its node failed requests).</summary>
    private void CheckLodestarLog(string output, bool beaconNode)
    {
        var lines = Ansi().Replace(output, "").Split('\n');
        // the level words are coloured: a log whose info lines do not read plainly was not cleaned
        Assert.Contains(lines, l => l.Contains(" info:", StringComparison.Ordinal));
        // a dev node without bootnodes says so once; harmless here
        var errors = lines.Where(l => l.Contains(" error:", StringComparison.Ordinal) && !l.Contains("discv5 has no boot enr", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "errors in Lodestar's log:\n" + string.Join("\n", errors.Take(20)));
        log.WriteLine("Lodestar warnings:\n" + string.Join("\n", lines.Where(l => l.Contains(" warn:", StringComparison.Ordinal)).Take(30)));
        Assert.Contains(lines, l => l.Contains("Published block", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Published attestations", StringComparison.Ordinal));
        if (!beaconNode) Assert.Contains(lines, l => l.Contains("Verified connected beacon node and validator have same the config", StringComparison.Ordinal));
    }
}

/// <summary>A child process other than cirrus (Lodestar, node), output captured, killed with its tree on dispose.</summary>
public sealed class ExternalProcess : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _out = new();
    private readonly StringBuilder _stdout = new();

    private ExternalProcess(Process p) => _p = p;

    public string Output { get { lock (_out) return _out.ToString(); } }
    public string Stdout { get { lock (_out) return _stdout.ToString(); } }
    public bool HasExited => _p.HasExited;

    public static ExternalProcess Start(string file, IEnumerable<string> args, string workingDir, params (string Name, string Value)[] env)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDir,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (n, v) in env) psi.Environment[n] = v;
        var e = new ExternalProcess(new Process { StartInfo = psi });
        e._p.OutputDataReceived += (_, d) => e.OnLine(d.Data, stdout: true);
        e._p.ErrorDataReceived += (_, d) => e.OnLine(d.Data, stdout: false);
        e._p.Start();
        e._p.BeginOutputReadLine();
        e._p.BeginErrorReadLine();
        return e;
    }

    private void OnLine(string? line, bool stdout)
    {
        if (line is null) return;
        lock (_out)
        {
            _out.AppendLine(line);
            if (stdout) _stdout.AppendLine(line);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _p.WaitForExitAsync(cts.Token);
        _p.WaitForExit();
        return _p.ExitCode;
    }

    public void Dispose()
    {
        try { if (!_p.HasExited) _p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _p.WaitForExit(10_000);
        _p.Dispose();
    }
}
