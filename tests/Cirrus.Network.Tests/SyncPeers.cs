using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Types;
using Cirrus.Network.ReqResp;
using Cirrus.Networking;
using Cirrus.Networking.ReqResp;
using Cirrus.Node;
using Cirrus.Node.Tests;
using Cirrus.Node.Validation;
using Cirrus.Storage;
using R = Cirrus.Networking.ReqResp.ReqResp;

namespace Cirrus.Network.Tests;

/// <summary>A finalizing minimal-preset chain of three range-sync batches whose slots are all in the past.</summary>
public sealed class PastChain
{
    public const ulong LastSlot = 150;
    public TestChainBuilder Builder { get; }
    public ChainConfig Config => Builder.Config;

    public PastChain()
    {
        ulong genesis = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() - (LastSlot + 2) * ChainConfig.Minimal.SecondsPerSlot;
        Builder = new TestChainBuilder(64, genesis).BuildTo(LastSlot, s => s % 9 == 0);
    }
}

/// <summary>An in-process node on 127.0.0.1: a chain (signatures checked) and its network layer, with its log kept.</summary>
public sealed class TestNode : IAsyncDisposable
{
    public BeaconChain Chain { get; }
    public Eth2Network Net { get; }
    public ConcurrentQueue<string> Log { get; } = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-net-" + Guid.NewGuid().ToString("N"));

    public TestNode(PastChain f, bool holdChain, params Multiaddr[] peers)
    {
        Directory.CreateDirectory(_dir);
        // on a store: a chain in memory only cannot serve blocks below its finalized checkpoint
        Chain = BeaconChain.Open(f.Config, BeaconStore.Open(Path.Combine(_dir, "db"), f.Config.Schema), new ChainAnchor(f.Builder.Genesis),
            holdChain ? null : new BlsSignatureVerifier(), () => DateTimeOffset.UtcNow);
        if (holdChain)
            foreach (var b in f.Builder.Blocks) Chain.ImportBlock(b);
        var options = new NetworkOptions
        {
            ListenAddress = IPAddress.Loopback,
            Port = 0,
            Discovery = false,
            StaticPeers = peers,
            DataDir = _dir,
            SyncRequestTimeout = TimeSpan.FromSeconds(3),
        };
        Net = new Eth2Network(options, Chain, new MessageValidator(Chain, () => DateTimeOffset.UtcNow), l => Log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {l}"));
        Net.Start();
    }

    public Multiaddr Address => Net.ListenAddress!.WithPeerId(Net.PeerId);

    public async ValueTask DisposeAsync()
    {
        await Net.DisposeAsync();
        Chain.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

public enum Fault
{
    /// <summary>Serves the honest blocks, but the third of each batch with another block's signature.</summary>
    InvalidBlock,
    /// <summary>Answers every blocks_by_range with no blocks.</summary>
    Empty,
    /// <summary>Sends two blocks, then nothing (until the server's own timeout closes the stream).</summary>
    Stall,
    /// <summary>Honest, but 40 ms per block.</summary>
    Slow,
}

/// <summary>
/// A bare libp2p host that speaks just enough eth2 req/resp to be a sync peer: it answers status
/// with the honest chain's status, ping and metadata, and blocks_by_range with <see cref="Fault"/>.
/// </summary>
public sealed class FaultyPeer : IAsyncDisposable
{
    private readonly PastChain _f;
    private readonly Fault _fault;
    private int _rangeRequests;

    public Libp2pHost Host { get; }
    public Multiaddr Address { get; }
    public int RangeRequests => Volatile.Read(ref _rangeRequests);

    public FaultyPeer(PastChain f, StatusMessage status, Fault fault)
    {
        _f = f;
        _fault = fault;
        Host = new Libp2pHost(new Libp2pHostOptions { Key = Secp256k1Key.Generate() });
        var schema = f.Config.Schema;
        R.Handle(Host, ReqRespHandlers.Status, 84, 84, (_, _, _) => Answer(ResponseChunk.Ok(schema.Serialize(status))));
        R.Handle(Host, ReqRespHandlers.Ping, 8, 8, (_, _, _) => Answer(ResponseChunk.Ok(new byte[8])));
        R.Handle(Host, ReqRespHandlers.Goodbye, 8, 8, (_, _, _) => Task.FromResult<IReadOnlyList<ResponseChunk>>([]));
        Host.SetStreamHandler(ReqRespHandlers.MetaData, async s =>
        {
            await using (s)
                await s.WriteAsync(R.EncodeResponseChunk(ResponseCode.Success, schema.Serialize(new MetaData())), CancellationToken.None);
        });
        R.HandleStreaming(Host, ReqRespHandlers.BlocksByRange, 24, 24, Logged);
        Address = Host.Listen(Multiaddr.FromEndPoint(new IPEndPoint(IPAddress.Loopback, 0))).WithPeerId(Host.PeerId);
    }

    private static Task<IReadOnlyList<ResponseChunk>> Answer(ResponseChunk c) => Task.FromResult<IReadOnlyList<ResponseChunk>>([c]);

    public ConcurrentQueue<string> Log { get; } = new();
    private async IAsyncEnumerable<ResponseChunk> Logged(PeerId peer, byte[] req, [EnumeratorCancellation] CancellationToken ct)
    {
        int n = 0;
        Log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} request");
        var e = Serve(peer, req, ct).GetAsyncEnumerator(ct);
        while (true)
        {
            try { if (!await e.MoveNextAsync()) break; }
            catch (Exception ex) { Log.Enqueue("threw " + ex); throw; }
            n++;
            yield return e.Current;
        }
        Log.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} served {n}");
    }

    private async IAsyncEnumerable<ResponseChunk> Serve(PeerId peer, byte[] req, [EnumeratorCancellation] CancellationToken ct)
    {
        Interlocked.Increment(ref _rangeRequests);
        var schema = _f.Config.Schema;
        var r = schema.Deserialize<BeaconBlocksByRangeRequest>(req);
        var blocks = _f.Builder.Blocks.Where(b => b.Message.Slot >= r.StartSlot && b.Message.Slot < r.StartSlot + r.Count).ToList();
        if (_fault == Fault.Empty) yield break;
        for (int i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            if (_fault == Fault.Stall && i == 2)
            {
                await Task.Delay(Timeout.Infinite, ct).ContinueWith(_ => { }, TaskScheduler.Default);
                yield break;
            }
            if (_fault == Fault.Slow) await Task.Delay(40, ct);
            if (_fault == Fault.InvalidBlock && i == 2)
            {
                b = schema.Copy(b);
                b.Signature = blocks[0].Signature; // a valid point, over another message
            }
            yield return ResponseChunk.Ok(schema.Serialize(b));
        }
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
