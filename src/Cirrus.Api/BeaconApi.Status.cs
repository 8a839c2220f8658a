using System.Globalization;
using System.Text.Json;
using Cirrus.Node.Monitoring;

namespace Cirrus.Api;

// The operator's status page at / and the one JSON document it reads (/cirrus/v1/status).
public sealed partial class BeaconApi
{
    private static readonly Lazy<byte[]> StatusPageHtml = new(() =>
    {
        using var s = typeof(BeaconApi).Assembly.GetManifestResourceStream("Cirrus.Api.StatusPage.html")
            ?? throw new InvalidOperationException("the status page resource is missing from the build");
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    });

    /// <summary>The node's validator monitor, shown on the status page (null: none).</summary>
    public ValidatorMonitor? Monitor { get; init; }

    /// <summary>Validators a validator client subscribes are added to <see cref="Monitor"/>.</summary>
    public bool AutoMonitor { get; init; } = true;

    /// <summary>The client's version, shown on the status page.</summary>
    public string NodeVersion { get; init; } = Version;

    /// <summary>What the status page says about eth1 when the node follows no deposit contract.</summary>
    public string Eth1Status { get; init; } = "not followed";

    private void MapStatus()
    {
        Get("/", _ => new ApiResult(200, StatusPageHtml.Value, "text/html; charset=utf-8"));
        Get("/cirrus/v1/status", _ => new ApiResult(200, StatusJson(), "application/json"));
    }

    private byte[] StatusJson()
    {
        var config = _chain.Config;
        var sync = CurrentSyncState();
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            ulong clock = _chain.CurrentSlot, headSlot = _chain.HeadSlot;
            var justified = _chain.JustifiedCheckpoint;
            var finalized = _chain.FinalizedCheckpoint;
            w.WriteStartObject();
            w.WriteString("version", NodeVersion);
            w.WriteString("network", config.ConfigName);
            w.WriteNumber("seconds_per_slot", config.SecondsPerSlot);
            w.WriteNumber("slots_per_epoch", config.SlotsPerEpoch);
            w.WriteNumber("genesis_time", _chain.GenesisTime);
            w.WriteNumber("clock_slot", clock);
            w.WriteNumber("clock_epoch", clock / config.SlotsPerEpoch);
            w.WriteStartObject("head");
            w.WriteNumber("slot", headSlot);
            w.WriteString("root", _chain.Head.ToString());
            w.WriteEndObject();
            w.WriteStartObject("justified");
            w.WriteNumber("epoch", justified.Epoch);
            w.WriteString("root", justified.Root.ToString());
            w.WriteEndObject();
            w.WriteStartObject("finalized");
            w.WriteNumber("epoch", finalized.Epoch);
            w.WriteString("root", finalized.Root.ToString());
            w.WriteEndObject();
            w.WriteStartObject("sync");
            w.WriteBoolean("is_syncing", sync.IsSyncing);
            w.WriteNumber("head_slot", sync.HeadSlot);
            w.WriteNumber("sync_distance", sync.SyncDistance);
            if (Network?.SyncProgress is { } progress) w.WriteString("progress", progress);
            else w.WriteNull("progress");
            w.WriteEndObject();
            w.WriteStartObject("peers");
            w.WriteNumber("connected", Network?.Peers.Count(p => p.State == "connected") ?? 0);
            w.WriteBoolean("networking", Network is not null);
            w.WriteEndObject();
            w.WriteStartObject("eth1");
            if (_chain.Eth1 is Cirrus.Node.Eth1.Eth1Follower follower)
            {
                var e = follower.Status;
                w.WriteBoolean("followed", true);
                w.WriteString("status", follower.StatusText());
                w.WriteString("detail", $"deposit contract 0x{Convert.ToHexStringLower(config.DepositContractAddress)}" +
                    (e.Endpoint is null ? "" : $" via {e.Endpoint}") + (e.LastError is { } err && !e.Connected ? $"; last error: {err}" : "") +
                    (e.GenesisMatches is false ? "; WARNING: the contract's deposits do not match the genesis state's" : ""));
            }
            else
            {
                w.WriteBoolean("followed", false);
                w.WriteString("status", Eth1Status);
                w.WriteString("detail", "no --eth1-endpoint: deposits come from the genesis or checkpoint state only");
            }
            w.WriteEndObject();
            w.WriteStartArray("validators");
            foreach (var v in Monitor?.Validators() ?? []) WriteMonitored(w, v);
            w.WriteEndArray();
            w.WriteStartArray("recent_duties");
            foreach (var d in Monitor?.RecentDuties(32) ?? [])
            {
                w.WriteStartObject();
                w.WriteNumber("epoch", d.Epoch);
                if (d.Slot is { } s) w.WriteNumber("slot", s);
                else w.WriteNull("slot");
                w.WriteNumber("index", d.Index);
                w.WriteString("duty", d.Duty);
                w.WriteString("result", d.Result);
                w.WriteBoolean("ok", d.Ok);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static void WriteMonitored(Utf8JsonWriter w, MonitoredValidator v)
    {
        static void N(Utf8JsonWriter w, string name, ulong? x) { if (x is { } y) w.WriteNumber(name, y); else w.WriteNull(name); }
        static void B(Utf8JsonWriter w, string name, bool? x) { if (x is { } y) w.WriteBoolean(name, y); else w.WriteNull(name); }
        w.WriteStartObject();
        N(w, "index", v.Index);
        w.WriteString("pubkey", v.Pubkey.ToString());
        if (v.Status is { } st) w.WriteString("status", st);
        else w.WriteNull("status");
        N(w, "balance_gwei", v.BalanceGwei);
        if (v.LastEpoch is { } e)
        {
            w.WriteStartObject("last_epoch");
            w.WriteNumber("epoch", e.Epoch);
            w.WriteBoolean("active", e.Active);
            w.WriteBoolean("attested", e.Attested);
            N(w, "inclusion_distance", e.InclusionDistance);
            B(w, "head", e.Head);
            B(w, "target", e.Target);
            B(w, "source", e.Source);
            w.WriteNumber("proposals_due", e.ProposalsDue);
            w.WriteNumber("proposals_made", e.ProposalsMade);
            if (e.BalanceDeltaGwei is { } delta) w.WriteNumber("balance_delta_gwei", delta);
            else w.WriteNull("balance_delta_gwei");
            w.WriteEndObject();
        }
        else w.WriteNull("last_epoch");
        w.WriteEndObject();
    }
}
