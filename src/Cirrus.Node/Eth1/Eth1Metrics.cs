using Prometheus;

namespace Cirrus.Node.Eth1;

/// <summary>The eth1 follower's gauges, read from its status at every scrape.</summary>
public sealed class Eth1Metrics
{
    private readonly Eth1Follower _follower;
    private readonly Gauge _connected, _head, _follow, _deposits, _blocks, _calls, _errors, _refused, _logCalls;

    public Eth1Metrics(Eth1Follower follower, CollectorRegistry registry)
    {
        _follower = follower;
        var f = Metrics.WithCustomRegistry(registry);
        _connected = f.CreateGauge("cirrus_eth1_connected", "1 while an eth1 endpoint answers, 0 while none does.");
        _head = f.CreateGauge("cirrus_eth1_head_block", "The eth1 head block number last seen.");
        _follow = f.CreateGauge("cirrus_eth1_follow_block", "The eth1 block followed (ETH1_FOLLOW_DISTANCE behind the head).");
        _deposits = f.CreateGauge("cirrus_eth1_deposit_count", "Deposits followed and checked against the contract.");
        _blocks = f.CreateGauge("cirrus_eth1_cached_blocks", "Eth1 block headers kept for voting.");
        _calls = f.CreateGauge("cirrus_eth1_rpc_requests", "Eth1 JSON-RPC requests since start.");
        _errors = f.CreateGauge("cirrus_eth1_rpc_errors", "Eth1 endpoint failures since start.");
        _refused = f.CreateGauge("cirrus_eth1_refused_log_ranges", "Deposit log ranges refused because they disagree with the contract.");
        _logCalls = f.CreateGauge("cirrus_eth1_get_logs_requests", "eth_getLogs requests since start.");
        registry.AddBeforeCollectCallback(Update); // fresh at every scrape, not only once a slot
        Update();
    }

    public void Update()
    {
        var s = _follower.Status;
        _connected.Set(s.Connected ? 1 : 0);
        if (s.HeadBlock is { } h) _head.Set(h);
        if (s.FollowBlock is { } f) _follow.Set(f);
        _deposits.Set(s.DepositCount);
        _blocks.Set(s.CachedBlocks);
        _calls.Set(s.RpcCalls);
        _errors.Set(s.RpcErrors);
        _refused.Set(s.RefusedRanges);
        _logCalls.Set(s.LogRequests);
    }
}
