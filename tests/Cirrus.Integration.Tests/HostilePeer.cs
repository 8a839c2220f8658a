using System.Buffers.Binary;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Networking;
using Cirrus.Networking.Eth2;
using Cirrus.Networking.Gossip;
using Cirrus.Networking.ReqResp;
using Cirrus.Ssz;

namespace Cirrus.Integration.Tests;

/// <summary>
/// An in-process libp2p peer that misbehaves toward a real node in every way the network layer must
/// survive: a foreign fork digest, garbage and truncated req/resp chunks, request floods, streams it
/// never reads, invalid blocks and floods on gossip. Each attack uses a fresh identity, so one ban does
/// not hide the next attack.
/// </summary>
public sealed class HostilePeer(ChainConfig config, Bytes4 forkDigest, Multiaddr victim)
{
    private static readonly string Status = ReqResp.ProtocolId("status");
    private static readonly string ByRange = ReqResp.ProtocolId("beacon_blocks_by_range");
    private readonly Random _rng = new(13);

    public List<string> Log { get; } = [];

    private async Task<(Libp2pHost Host, Connection Conn)> DialAsync(Bytes4 digest, Action<Libp2pHost>? beforeDial = null)
    {
        var host = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate(), IdentifyOnConnect = false });
        // answer the victim's status request plausibly, so only the attack itself is judged
        ReqResp.Handle(host, Status, 84, 84, (_, _, _) => Task.FromResult<IReadOnlyList<ResponseChunk>>([ResponseChunk.Ok(StatusBytes(digest))]));
        beforeDial?.Invoke(host);
        var conn = await host.DialAsync(victim);
        return (host, conn);
    }

    private byte[] StatusBytes(Bytes4 digest)
    {
        var b = new byte[84];
        digest.AsSpan().CopyTo(b);
        return b; // zero finalized root and epoch, zero head at slot 0: an honest peer at genesis
    }

    /// <summary>Waits until the victim closed the connection; false if it is still open after the timeout.</summary>
    private static async Task<bool> ClosedWithin(Libp2pHost host, PeerId peer, TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < end)
        {
            if (host.GetConnection(peer) is null) return true;
            await Task.Delay(100);
        }
        return host.GetConnection(peer) is null;
    }

    /// <summary>A peer on another fork digest: the victim must say goodbye and hang up.</summary>
    public async Task<bool> OtherForkDigestAsync()
    {
        var (host, conn) = await DialAsync(Bytes4.FromSpan([0xde, 0xad, 0xbe, 0xef]));
        await using (host)
        {
            try { await ReqResp.RequestAsync(host, conn.RemotePeer, Status, StatusBytes(Bytes4.FromSpan([0xde, 0xad, 0xbe, 0xef])), 1); }
            catch (Exception e) when (e is P2pException or IOException) { Log.Add("status to victim: " + e.Message); }
            bool closed = await ClosedWithin(host, conn.RemotePeer, TimeSpan.FromSeconds(10));
            Log.Add($"other fork digest: disconnected {closed}");
            return closed;
        }
    }

    /// <summary>Garbage and truncated chunks on req/resp streams: each gets an error or a reset, nothing more.</summary>
    public async Task GarbageAndTruncatedChunksAsync()
    {
        var (host, conn) = await DialAsync(forkDigest);
        await using (host)
        {
            for (int i = 0; i < 20; i++)
            {
                try
                {
                    await using var s = await conn.OpenStreamAsync(i % 2 == 0 ? Status : ByRange);
                    var junk = new byte[_rng.Next(1, 300)];
                    _rng.NextBytes(junk);
                    if (i % 4 == 1)
                    {
                        // a declared length of 24 followed by half a snappy frame
                        var full = ReqResp.EncodePayload(new byte[24]);
                        junk = full[..(full.Length / 2)];
                    }
                    await s.WriteAsync(junk);
                    await s.CloseWriteAsync();
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                    var buf = new byte[512];
                    while (await s.ReadAsync(buf, cts.Token) > 0) { }
                }
                catch (Exception e) when (e is P2pException or IOException or OperationCanceledException) { }
            }
            Log.Add("garbage and truncated chunks sent");
        }
    }

    /// <summary>Status requests far over the rate limit: answered with resource-unavailable, then banned.</summary>
    public async Task<(int Limited, bool Banned)> RequestFloodAsync()
    {
        var (host, conn) = await DialAsync(forkDigest);
        await using (host)
        {
            int limited = 0;
            for (int i = 0; i < 400 && host.GetConnection(conn.RemotePeer) is not null; i++)
            {
                try
                {
                    var r = await ReqResp.RequestAsync(host, conn.RemotePeer, Status, StatusBytes(forkDigest), 1);
                    if (r.Count == 1 && r[0].Code == ResponseCode.ResourceUnavailable) limited++;
                }
                catch (Exception e) when (e is P2pException or IOException) { }
            }
            bool banned = await ClosedWithin(host, conn.RemotePeer, TimeSpan.FromSeconds(10));
            Log.Add($"request flood: {limited} rate-limited answers, disconnected {banned}");
            return (limited, banned);
        }
    }

    /// <summary>Asks for many blocks on many streams and never reads the answers.</summary>
    public async Task StreamsNeverReadAsync()
    {
        var (host, conn) = await DialAsync(forkDigest);
        await using (host)
        {
            var open = new List<MuxedStream>();
            var req = new byte[24];
            BinaryPrimitives.WriteUInt64LittleEndian(req.AsSpan(8), 1024);
            BinaryPrimitives.WriteUInt64LittleEndian(req.AsSpan(16), 1);
            for (int i = 0; i < 40; i++)
            {
                try
                {
                    var s = await conn.OpenStreamAsync(ByRange);
                    await s.WriteAsync(ReqResp.EncodePayload(req));
                    await s.CloseWriteAsync();
                    open.Add(s);
                }
                catch (Exception e) when (e is P2pException or IOException) { break; } // over its rate limit, the victim hangs up
            }
            await Task.Delay(TimeSpan.FromSeconds(8));
            foreach (var s in open) await s.DisposeAsync();
            Log.Add($"{open.Count} streams opened and never read; still connected: {host.GetConnection(conn.RemotePeer) is not null}");
        }
    }

    /// <summary>Invalid blocks (malformed, and well-formed with bad signatures) and a flood of junk on gossip.</summary>
    public async Task<bool> GossipJunkAsync(SignedBeaconBlock realBlock)
    {
        // the router must exist before the connection does: it sees connections as they open, and the
        // victim's meshsub stream needs our handler in place
        Gossipsub gs = null!;
        var (host, conn) = await DialAsync(forkDigest, h => gs = new Gossipsub(h));
        await using (host)
        {
            await using (gs)
            {
                string blocks = GossipTopics.Topic(forkDigest.AsSpan(), GossipTopics.BeaconBlock);
                string subnet = GossipTopics.Topic(forkDigest.AsSpan(), GossipTopics.BeaconAttestation(5));
                gs.Subscribe(blocks);
                // publish only once the victim's subscription has reached us, or nothing is sent at all
                var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (!gs.TopicPeers(blocks).Contains(conn.RemotePeer) && DateTime.UtcNow < until) await Task.Delay(100);
                if (!gs.TopicPeers(blocks).Contains(conn.RemotePeer)) Log.Add("gossip junk: the victim never announced its block topic");
                for (int i = 0; i < 300 && host.GetConnection(conn.RemotePeer) is not null; i++)
                {
                    byte[] payload;
                    if (i % 3 == 0)
                    {
                        var junk = new byte[_rng.Next(1, 2000)];
                        _rng.NextBytes(junk);
                        payload = GossipTopics.Encode(junk);
                    }
                    else
                    {
                        // a real block re-signed with garbage, at a later slot: valid SSZ, invalid block
                        var b = config.Schema.Copy(realBlock);
                        b.Message.Slot += (ulong)(i % 5);
                        var sig = new byte[96];
                        _rng.NextBytes(sig);
                        b.Signature = Bytes96.FromSpan(sig);
                        payload = GossipTopics.Encode(config.Schema.Serialize(b));
                    }
                    gs.Publish(blocks, payload);
                }
                for (int i = 0; i < 2000 && host.GetConnection(conn.RemotePeer) is not null; i++)
                {
                    var junk = new byte[64];
                    _rng.NextBytes(junk);
                    gs.Publish(subnet, junk);
                }
                bool closed = await ClosedWithin(host, conn.RemotePeer, TimeSpan.FromSeconds(20));
                Log.Add($"gossip junk: disconnected {closed}");
                return closed;
            }
        }
    }
}
