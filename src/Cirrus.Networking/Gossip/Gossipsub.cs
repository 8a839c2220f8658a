using System.Security.Cryptography;
using System.Threading.Channels;

namespace Cirrus.Networking.Gossip;

/// <summary>Outcome of message validation (libp2p pubsub semantics).</summary>
public enum ValidationResult
{
    /// <summary>Deliver and forward.</summary>
    Accept,
    /// <summary>Invalid: drop and penalize the sender.</summary>
    Reject,
    /// <summary>Drop silently (e.g. not useful now), no penalty.</summary>
    Ignore,
}

/// <summary>A message received (or published) on a topic.</summary>
public sealed record GossipMessage(string Topic, byte[] Data, byte[] Id, PeerId? Source);

/// <summary>How messages carry their author (libp2p pubsub signature policies).</summary>
public enum SignaturePolicy
{
    /// <summary>No author, seqno, signature or key: anything carrying them is rejected (eth2 from v1.0).</summary>
    StrictNoSign,
    /// <summary>Every message carries from, seqno and a signature by its author's key, checked on receipt (libp2p's default, eth2 up to v0.12).</summary>
    StrictSign,
}

/// <summary>gossipsub parameters; defaults are the eth2 phase0 values.</summary>
public sealed class GossipsubOptions
{
    public int D { get; init; } = 8;
    public int DLow { get; init; } = 6;
    public int DHigh { get; init; } = 12;
    public int DLazy { get; init; } = 6;
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(700);
    public TimeSpan FanoutTtl { get; init; } = TimeSpan.FromSeconds(60);
    public int McacheLength { get; init; } = 6;
    public int McacheGossip { get; init; } = 3;
    /// <summary>eth2: 550 heartbeats.</summary>
    public TimeSpan SeenTtl { get; init; } = TimeSpan.FromMilliseconds(700 * 550);
    public TimeSpan PruneBackoff { get; init; } = TimeSpan.FromMinutes(1);
    public double GossipFactor { get; init; } = 0.25;
    /// <summary>Largest RPC accepted (eth2 GOSSIP_MAX_SIZE is 1 MiB of payload; framing adds a little).</summary>
    public int MaxRpcSize { get; init; } = (1 << 20) + 64 * 1024;
    public int MaxIHaveLength { get; init; } = 5000;
    public int MaxIHaveMessages { get; init; } = 10;
    public int MaxIWantRetransmits { get; init; } = 3;
    /// <summary>Publish our own messages to every subscribed peer, not only the mesh.</summary>
    public bool FloodPublish { get; init; } = true;
    public SignaturePolicy SignaturePolicy { get; init; } = SignaturePolicy.StrictNoSign;
    /// <summary>The message-id function; defaults to eth2's <see cref="MessageIds.Eth2Phase0"/>.</summary>
    public Func<string, byte[], byte[]> MessageId { get; init; } = MessageIds.Eth2Phase0;
    /// <summary>Per-peer outgoing RPC queue bound; excess RPCs are dropped.</summary>
    public int MaxQueuedRpcs { get; init; } = 4096;
    /// <summary>Score parameters (v1.1). The default has no per-topic parameters: invalid messages and misbehaviour still cost.
    /// For eth2 use <see cref="Eth2ScoreParams.Create"/>.</summary>
    public PeerScoreParams ScoreParams { get; init; } = new() { BehaviourPenaltyWeight = -10, BehaviourPenaltyThreshold = 0, BehaviourPenaltyDecay = 0.99 };
    public PeerScoreThresholds ScoreThresholds { get; init; } = Eth2ScoreParams.Thresholds;
    /// <summary>Disconnect peers whose score drops below the graylist threshold (otherwise they are only ignored).</summary>
    public bool DisconnectGraylisted { get; init; } = true;
    /// <summary>Offer peer exchange (up to <see cref="PrunePeers"/> peer ids) when pruning a peer from an oversubscribed mesh.</summary>
    public bool PeerExchange { get; init; } = true;
    public int PrunePeers { get; init; } = 16;
    /// <summary>Every this many heartbeats, graft better-scoring peers when the mesh median is low.</summary>
    public int OpportunisticGraftTicks { get; init; } = 60;
}

/// <summary>Message-id functions.</summary>
public static class MessageIds
{
    public static readonly byte[] MessageDomainInvalidSnappy = [0, 0, 0, 0];
    public static readonly byte[] MessageDomainValidSnappy = [1, 0, 0, 0];

    /// <summary>consensus-specs v1.0 phase0: SHA256(MESSAGE_DOMAIN_VALID_SNAPPY ++ snappy_decompress(data))[:20], or the INVALID domain over the raw data.</summary>
    public static byte[] Eth2Phase0(string topic, byte[] data)
    {
        byte[]? plain = null;
        try
        {
            int len = Snappier.Snappy.GetUncompressedLength(data);
            if (len >= 0 && len <= 10 * (1 << 20))
            {
                plain = new byte[len];
                Snappier.Snappy.Decompress(data, plain);
            }
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or IndexOutOfRangeException) { plain = null; }
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(plain is null ? MessageDomainInvalidSnappy : MessageDomainValidSnappy);
        h.AppendData(plain ?? data);
        return h.GetHashAndReset()[..20];
    }

    /// <summary>consensus-specs v0.12: base64(SHA256(message.data)) over the compressed data, URL-safe alphabet without padding (the id is that text).</summary>
    public static byte[] Eth2V012(string topic, byte[] data) =>
        System.Text.Encoding.ASCII.GetBytes(Convert.ToBase64String(SHA256.HashData(data)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
}

/// <summary>
/// gossipsub v1.1 router (<c>/meshsub/1.1.0</c>, also <c>/meshsub/1.0.0</c>) with StrictNoSign messages:
/// mesh maintenance with GRAFT/PRUNE and backoff, fanout, IHAVE/IWANT gossip from a sliding message cache,
/// a seen-cache, a pluggable message-id, async per-topic validation and flood publishing.
/// v1.1 peer scoring (<see cref="PeerScore"/>): negative peers are not grafted and are pruned, gossip and publish
/// thresholds gate IHAVE/IWANT and flood publishing, graylisted peers are ignored and disconnected.
/// </summary>
public sealed class Gossipsub : IAsyncDisposable
{
    public const string ProtocolV11 = "/meshsub/1.1.0";
    public const string ProtocolV10 = "/meshsub/1.0.0";
    private static readonly string[] Protocols = [ProtocolV11, ProtocolV10];

    private sealed class PeerState
    {
        public required PeerId Id;
        public required Connection Conn;
        public readonly HashSet<string> Topics = new();
        public readonly Channel<byte[]> Queue;
        public bool OutboundReady;
        public int IHaveCount, IWantAsked;
        public PeerState(int max) => Queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(max) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    }

    private sealed class CachedMessage
    {
        public required RpcMessage Msg;
        public required byte[] Id;
        public readonly Dictionary<PeerId, int> Sent = new();
    }

    private readonly Libp2pHost _host;
    private readonly object _lock = new();
    private readonly Dictionary<PeerId, PeerState> _peers = new();
    private readonly Dictionary<string, HashSet<PeerId>> _topicPeers = new();
    private readonly Dictionary<string, HashSet<PeerId>> _mesh = new();
    private readonly Dictionary<string, HashSet<PeerId>> _fanout = new();
    private readonly Dictionary<string, DateTime> _fanoutLastPublish = new();
    private readonly HashSet<string> _subscriptions = new();
    private readonly Dictionary<(string, PeerId), DateTime> _backoff = new();
    private readonly Dictionary<string, DateTime> _seen = new();
    private readonly Queue<(string Id, DateTime Expiry)> _seenOrder = new();
    private readonly Dictionary<string, CachedMessage> _mcache = new();
    private readonly List<List<(string Id, string Topic)>> _mcacheWindows = new();
    private readonly Dictionary<string, Func<GossipMessage, CancellationToken, ValueTask<ValidationResult>>> _validators = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _heartbeat;
    private readonly PeerScore _score;
    private long _ticks;
    private long _seqno = DateTime.UtcNow.Ticks; // grows across restarts, as libp2p's nanosecond seed does

    public Gossipsub(Libp2pHost host, GossipsubOptions? options = null)
    {
        _host = host;
        Options = options ?? new GossipsubOptions();
        _score = new PeerScore(Options.ScoreParams);
        for (int i = 0; i < Options.McacheLength; i++) _mcacheWindows.Add(new());
        foreach (var p in Protocols) host.SetStreamHandler(p, HandleInboundStreamAsync);
        host.Connected += OnConnected;
        host.Disconnected += OnDisconnected;
        foreach (var c in host.Connections) OnConnected(c);
        _heartbeat = Task.Run(HeartbeatLoopAsync);
    }

    public GossipsubOptions Options { get; }

    /// <summary>Raised for every accepted message on a subscribed topic (not for our own publications). Keep it quick.</summary>
    public event Action<GossipMessage>? MessageReceived;

    /// <summary>
    /// Raised with the peer ids a well-scored peer (score ≥ AcceptPX threshold) offered in a PRUNE; the node's peer
    /// manager may dial them (addresses come from discovery: signed peer records are not used).
    /// </summary>
    public event Action<string, IReadOnlyList<PeerId>>? PeerExchangeReceived;

    /// <summary>Sets the validator of a topic (default: accept everything).</summary>
    public void SetValidator(string topic, Func<GossipMessage, CancellationToken, ValueTask<ValidationResult>> validator)
    {
        lock (_lock) _validators[topic] = validator;
    }

    public IReadOnlyList<string> Topics { get { lock (_lock) return _subscriptions.ToArray(); } }

    public IReadOnlyList<PeerId> MeshPeers(string topic)
    {
        lock (_lock) return _mesh.TryGetValue(topic, out var m) ? m.ToArray() : [];
    }

    /// <summary>Peers known to be subscribed to <paramref name="topic"/>.</summary>
    public IReadOnlyList<PeerId> TopicPeers(string topic)
    {
        lock (_lock) return _topicPeers.TryGetValue(topic, out var m) ? m.ToArray() : [];
    }

    public double Score(PeerId peer)
    {
        lock (_lock) return _score.Score(peer, DateTime.UtcNow);
    }

    // ---------------------------------------------------------------- peers and streams

    private void OnConnected(Connection c)
    {
        PeerState st;
        lock (_lock)
        {
            if (_peers.ContainsKey(c.RemotePeer)) return;
            st = new PeerState(Options.MaxQueuedRpcs) { Id = c.RemotePeer, Conn = c };
            _peers[c.RemotePeer] = st;
            _score.AddPeer(c.RemotePeer, c.RemoteAddress.TryGetTcpEndpoint(out var ip, out _) ? ip : null);
        }
        _ = Task.Run(() => OutboundLoopAsync(st));
    }

    private void OnDisconnected(Connection c)
    {
        lock (_lock)
        {
            if (!_peers.TryGetValue(c.RemotePeer, out var st) || st.Conn != c) return;
            _peers.Remove(c.RemotePeer);
            st.Queue.Writer.TryComplete();
            var other = _host.GetConnection(c.RemotePeer);
            if (other is not null && other != c)
            {
                // another connection to the same peer survives: move the peer (and what it told us) onto it
                var moved = new PeerState(Options.MaxQueuedRpcs) { Id = c.RemotePeer, Conn = other };
                moved.Topics.UnionWith(st.Topics);
                _peers[c.RemotePeer] = moved;
                _ = Task.Run(() => OutboundLoopAsync(moved));
                return;
            }
            foreach (var t in st.Topics) if (_topicPeers.TryGetValue(t, out var set)) set.Remove(c.RemotePeer);
            foreach (var (t, m) in _mesh) if (m.Remove(c.RemotePeer)) _score.Prune(c.RemotePeer, t);
            _score.RemovePeer(c.RemotePeer, DateTime.UtcNow);
            foreach (var f in _fanout.Values) f.Remove(c.RemotePeer);
        }
    }

    private async Task OutboundLoopAsync(PeerState st)
    {
        MuxedStream s;
        try
        {
            s = await st.Conn.OpenStreamAsync(Protocols, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return; // peer does not speak gossipsub (or went away)
        }
        await using (s.ConfigureAwait(false))
        {
            var hello = new Rpc();
            lock (_lock)
            {
                foreach (var t in _subscriptions) hello.Subscriptions.Add((true, t));
                st.OutboundReady = true;
            }
            try
            {
                if (!hello.IsEmpty) await StreamIo.WriteLengthPrefixedAsync(s, hello.Encode(), _stop.Token).ConfigureAwait(false);
                var reader = st.Queue.Reader;
                var batch = new MemoryStream();
                while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
                {
                    batch.SetLength(0);
                    while (batch.Length < 256 * 1024 && reader.TryRead(out var rpc))
                    {
                        batch.Write(StreamIo.LengthPrefixed(rpc));
                    }
                    await s.WriteAsync(batch.GetBuffer().AsMemory(0, (int)batch.Length), _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception) { /* connection gone */ }
        }
    }

    private void Send(PeerState st, Rpc rpc)
    {
        if (rpc.IsEmpty) return;
        st.Queue.Writer.TryWrite(rpc.Encode());
    }

    private async Task HandleInboundStreamAsync(MuxedStream s)
    {
        var peer = s.RemotePeer!;
        await using (s.ConfigureAwait(false))
        {
            while (!_stop.IsCancellationRequested)
            {
                var bytes = await StreamIo.ReadLengthPrefixedOrEofAsync(s, Options.MaxRpcSize, _stop.Token).ConfigureAwait(false);
                if (bytes is null) return;
                Rpc rpc;
                try { rpc = Rpc.Decode(bytes); }
                catch (P2pException)
                {
                    Penalize(peer, null, behaviour: 1);
                    throw;
                }
                await HandleRpcAsync(peer, rpc).ConfigureAwait(false);
            }
        }
    }

    private void Penalize(PeerId peer, string? invalidTopic, double behaviour = 0)
    {
        bool drop;
        lock (_lock)
        {
            if (invalidTopic is not null) _score.Rejected(peer, invalidTopic);
            if (behaviour > 0) _score.AddPenalty(peer, behaviour);
            drop = _score.Score(peer, DateTime.UtcNow) < Options.ScoreThresholds.GraylistThreshold;
        }
        if (drop && Options.DisconnectGraylisted) _ = _host.DisconnectAsync(peer);
    }

    private double ScoreOf(PeerId p, DateTime now) => _score.Score(p, now);

    // ---------------------------------------------------------------- RPC handling

    private async Task HandleRpcAsync(PeerId from, Rpc rpc)
    {
        var reply = new Rpc();
        PeerState? st;
        lock (_lock)
        {
            if (!_peers.TryGetValue(from, out st)) return;
            if (ScoreOf(from, DateTime.UtcNow) < Options.ScoreThresholds.GraylistThreshold) return;
            foreach (var (sub, topic) in rpc.Subscriptions)
            {
                if (sub)
                {
                    if (st.Topics.Count >= 1024 && !st.Topics.Contains(topic)) continue;
                    st.Topics.Add(topic);
                    Set(_topicPeers, topic).Add(from);
                }
                else
                {
                    st.Topics.Remove(topic);
                    if (_topicPeers.TryGetValue(topic, out var tp)) tp.Remove(from);
                    if (_mesh.TryGetValue(topic, out var m) && m.Remove(from)) _score.Prune(from, topic);
                }
            }
            HandleControl(st, rpc, reply);
        }

        if (rpc.PrunePeers.Count > 0 && PeerExchangeReceived is { } pxHandler)
        {
            double score;
            lock (_lock) score = ScoreOf(from, DateTime.UtcNow);
            if (score >= Options.ScoreThresholds.AcceptPxThreshold || Options.ScoreParams.Topics.Count == 0)
                foreach (var (topic, ids) in rpc.PrunePeers)
                {
                    var fresh = ids.Where(id => id != _host.PeerId && _host.GetConnection(id) is null).ToArray();
                    if (fresh.Length > 0) try { pxHandler(topic, fresh); } catch (Exception) { }
                }
        }
        foreach (var m in rpc.Publish) await HandleMessageAsync(from, m).ConfigureAwait(false);
        lock (_lock) Send(st, reply);
    }

    private static HashSet<PeerId> Set(Dictionary<string, HashSet<PeerId>> d, string topic)
    {
        if (!d.TryGetValue(topic, out var s)) d[topic] = s = new HashSet<PeerId>();
        return s;
    }

    private static string Key(byte[] id) => Convert.ToHexString(id);

    private void HandleControl(PeerState st, Rpc rpc, Rpc reply)
    {
        var now = DateTime.UtcNow;
        double score = ScoreOf(st.Id, now);
        bool gossipOk = score >= Options.ScoreThresholds.GossipThreshold;
        // IHAVE -> IWANT for ids we have not seen
        foreach (var (topic, ids) in rpc.IHave)
        {
            if (!gossipOk || !_subscriptions.Contains(topic)) continue;
            if (++st.IHaveCount > Options.MaxIHaveMessages) break;
            foreach (var id in ids)
            {
                if (st.IWantAsked >= Options.MaxIHaveLength) break;
                var k = Key(id);
                if (_seen.ContainsKey(k)) continue;
                st.IWantAsked++;
                reply.IWant.Add(id);
            }
        }
        // IWANT -> messages from the cache
        foreach (var id in rpc.IWant)
        {
            if (!gossipOk) break;
            if (!_mcache.TryGetValue(Key(id), out var cm)) continue;
            cm.Sent.TryGetValue(st.Id, out int n);
            if (n >= Options.MaxIWantRetransmits) continue;
            cm.Sent[st.Id] = n + 1;
            reply.Publish.Add(cm.Msg);
        }
        // GRAFT
        foreach (var topic in rpc.Graft)
        {
            if (!_subscriptions.Contains(topic) || !_mesh.TryGetValue(topic, out var mesh))
            {
                reply.Prune.Add((topic, 0));
                continue;
            }
            if (mesh.Contains(st.Id)) continue;
            if (_backoff.TryGetValue((topic, st.Id), out var until) && until > now)
            {
                _score.AddPenalty(st.Id, 1); // grafting during backoff (P7)
                reply.Prune.Add((topic, (ulong)Options.PruneBackoff.TotalSeconds));
                continue;
            }
            if (score < 0)
            {
                reply.Prune.Add((topic, (ulong)Options.PruneBackoff.TotalSeconds));
                continue;
            }
            mesh.Add(st.Id);
            _score.Graft(st.Id, topic, now);
        }
        // PRUNE
        foreach (var (topic, backoff) in rpc.Prune)
        {
            if (_mesh.TryGetValue(topic, out var mesh) && mesh.Remove(st.Id)) _score.Prune(st.Id, topic);
            var b = backoff > 0 ? TimeSpan.FromSeconds(Math.Min(backoff, 3600)) : Options.PruneBackoff;
            _backoff[(topic, st.Id)] = now + b;
        }
    }

    private async Task HandleMessageAsync(PeerId from, RpcMessage m)
    {
        bool authorOk = Options.SignaturePolicy == SignaturePolicy.StrictSign
            ? MessageSigning.Verify(m)
            : m.From is null && m.Seqno is null && m.Signature is null && m.Key is null; // StrictNoSign: none of them allowed
        if (!authorOk)
        {
            Penalize(from, m.Topic, behaviour: 0);
            return;
        }
        byte[] id;
        string key;
        Func<GossipMessage, CancellationToken, ValueTask<ValidationResult>>? validator;
        lock (_lock)
        {
            if (!_subscriptions.Contains(m.Topic)) return;
            id = Options.MessageId(m.Topic, m.Data);
            key = Key(id);
            bool first = !_seen.ContainsKey(key);
            _score.Received(from, m.Topic, key, first, DateTime.UtcNow);
            if (!first) return;
            AddSeen(key);
            _validators.TryGetValue(m.Topic, out validator);
        }
        var msg = new GossipMessage(m.Topic, m.Data, id, from);
        var result = ValidationResult.Accept;
        if (validator is not null)
        {
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                cts.CancelAfter(TimeSpan.FromSeconds(10));
                result = await validator(msg, cts.Token).ConfigureAwait(false);
            }
            catch (Exception) { result = ValidationResult.Ignore; }
        }
        if (result == ValidationResult.Reject) { Penalize(from, m.Topic); return; }
        if (result == ValidationResult.Ignore) return;
        lock (_lock)
        {
            _score.Validated(from, m.Topic, key);
            AddToCache(id, m);
            if (_mesh.TryGetValue(m.Topic, out var mesh))
            {
                var fwd = new Rpc();
                fwd.Publish.Add(m);
                var bytes = fwd.Encode();
                foreach (var p in mesh)
                    if (p != from && _peers.TryGetValue(p, out var ps)) ps.Queue.Writer.TryWrite(bytes);
            }
        }
        try { MessageReceived?.Invoke(msg); } catch (Exception) { }
    }

    private void AddSeen(string k)
    {
        var exp = DateTime.UtcNow + Options.SeenTtl;
        _seen[k] = exp;
        _seenOrder.Enqueue((k, exp));
    }

    private void AddToCache(byte[] id, RpcMessage m)
    {
        var k = Key(id);
        if (_mcache.ContainsKey(k)) return;
        _mcache[k] = new CachedMessage { Msg = m, Id = id };
        _mcacheWindows[0].Add((k, m.Topic));
    }

    // ---------------------------------------------------------------- API

    /// <summary>Subscribes to <paramref name="topic"/>: announces it to all peers and builds a mesh.</summary>
    public void Subscribe(string topic)
    {
        lock (_lock)
        {
            if (!_subscriptions.Add(topic)) return;
            var announce = new Rpc();
            announce.Subscriptions.Add((true, topic));
            foreach (var p in _peers.Values) Send(p, announce);
            var mesh = new HashSet<PeerId>();
            if (_fanout.Remove(topic, out var fan))
                foreach (var p in fan) if (mesh.Count < Options.D) mesh.Add(p);
            _fanoutLastPublish.Remove(topic);
            foreach (var p in Candidates(topic, Options.D - mesh.Count, mesh)) mesh.Add(p);
            _mesh[topic] = mesh;
            foreach (var p in mesh)
            {
                _score.Graft(p, topic, DateTime.UtcNow);
                var g = new Rpc();
                g.Graft.Add(topic);
                Send(_peers[p], g);
            }
        }
    }

    /// <summary>Leaves <paramref name="topic"/>: prunes the mesh (with backoff) and announces the unsubscription.</summary>
    public void Unsubscribe(string topic)
    {
        lock (_lock)
        {
            if (!_subscriptions.Remove(topic)) return;
            _mesh.Remove(topic, out var mesh);
            foreach (var p in _peers.Values)
            {
                var r = new Rpc();
                r.Subscriptions.Add((false, topic));
                if (mesh is not null && mesh.Contains(p.Id))
                {
                    _score.Prune(p.Id, topic);
                    r.Prune.Add((topic, (ulong)Options.PruneBackoff.TotalSeconds));
                    _backoff[(topic, p.Id)] = DateTime.UtcNow + Options.PruneBackoff;
                }
                Send(p, r);
            }
        }
    }

    /// <summary>
    /// Publishes <paramref name="data"/> (for eth2: the snappy-compressed SSZ) on <paramref name="topic"/>.
    /// Returns the number of peers it was sent to. A message already seen is not sent again (returns 0).
    /// </summary>
    public int Publish(string topic, byte[] data)
    {
        var m = new RpcMessage { Topic = topic, Data = data };
        if (Options.SignaturePolicy == SignaturePolicy.StrictSign) MessageSigning.Sign(m, _host.Key, Interlocked.Increment(ref _seqno));
        var id = Options.MessageId(topic, data);
        var rpc = new Rpc();
        rpc.Publish.Add(m);
        var bytes = rpc.Encode();
        if (bytes.Length > Options.MaxRpcSize) throw new ArgumentException("message too large", nameof(data));
        lock (_lock)
        {
            var k = Key(id);
            if (_seen.ContainsKey(k)) return 0;
            AddSeen(k);
            AddToCache(id, m);
            IEnumerable<PeerId> targets;
            var now = DateTime.UtcNow;
            if (Options.FloodPublish)
                targets = _topicPeers.TryGetValue(topic, out var tp) ? tp.Where(p => _peers.ContainsKey(p) && ScoreOf(p, now) >= Options.ScoreThresholds.PublishThreshold).ToArray() : [];
            else if (_mesh.TryGetValue(topic, out var mesh))
                targets = mesh.ToArray();
            else
            {
                if (!_fanout.TryGetValue(topic, out var fan) || fan.Count == 0)
                {
                    fan = new HashSet<PeerId>(Candidates(topic, Options.D, new HashSet<PeerId>()));
                    _fanout[topic] = fan;
                }
                targets = fan.ToArray();
            }
            if (!_subscriptions.Contains(topic))
            {
                _fanoutLastPublish[topic] = DateTime.UtcNow;
                if (!_fanout.ContainsKey(topic)) _fanout[topic] = new HashSet<PeerId>(Candidates(topic, Options.D, new HashSet<PeerId>()));
            }
            int sent = 0;
            foreach (var p in targets)
                if (_peers.TryGetValue(p, out var ps) && ps.Queue.Writer.TryWrite(bytes)) sent++;
            return sent;
        }
    }

    /// <summary>Peers subscribed to topic, not in <paramref name="exclude"/>, not backing off, with non-negative score; random order.</summary>
    private List<PeerId> Candidates(string topic, int count, HashSet<PeerId> exclude)
    {
        var result = new List<PeerId>();
        if (count <= 0 || !_topicPeers.TryGetValue(topic, out var tp)) return result;
        var now = DateTime.UtcNow;
        foreach (var p in tp)
        {
            if (exclude.Contains(p) || !_peers.ContainsKey(p) || ScoreOf(p, now) < 0) continue;
            if (_backoff.TryGetValue((topic, p), out var until) && until > now) continue;
            result.Add(p);
        }
        Shuffle(result);
        if (result.Count > count) result.RemoveRange(count, result.Count - count);
        return result;
    }

    private static void Shuffle<T>(List<T> l)
    {
        for (int i = l.Count - 1; i > 0; i--)
        {
            int j = Random.Shared.Next(i + 1);
            (l[i], l[j]) = (l[j], l[i]);
        }
    }

    // ---------------------------------------------------------------- heartbeat

    private async Task HeartbeatLoopAsync()
    {
        using var timer = new PeriodicTimer(Options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                try { Heartbeat(); } catch (Exception) { /* never kill the heartbeat */ }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>One heartbeat: mesh maintenance, fanout expiry, gossip emission, cache shifting. Public for tests.</summary>
    public void Heartbeat()
    {
        var now = DateTime.UtcNow;
        var outgoing = new Dictionary<PeerId, Rpc>();
        Rpc For(PeerId p) => outgoing.TryGetValue(p, out var r) ? r : outgoing[p] = new Rpc();
        lock (_lock)
        {
            _score.Refresh(now);
            bool opportunistic = Options.OpportunisticGraftTicks > 0 && ++_ticks % Options.OpportunisticGraftTicks == 0;
            foreach (var (topic, mesh) in _mesh)
            {
                foreach (var p in mesh.ToArray())
                {
                    if (!_peers.TryGetValue(p, out var ps) || !ps.Topics.Contains(topic))
                    {
                        mesh.Remove(p);
                        _score.Prune(p, topic);
                    }
                    else if (ScoreOf(p, now) < 0)
                    {
                        mesh.Remove(p);
                        _score.Prune(p, topic);
                        For(p).Prune.Add((topic, (ulong)Options.PruneBackoff.TotalSeconds));
                        _backoff[(topic, p)] = now + Options.PruneBackoff;
                    }
                }
                if (mesh.Count < Options.DLow)
                {
                    foreach (var p in Candidates(topic, Options.D - mesh.Count, mesh))
                    {
                        mesh.Add(p);
                        _score.Graft(p, topic, now);
                        For(p).Graft.Add(topic);
                    }
                }
                else if (mesh.Count > Options.DHigh)
                {
                    var list = mesh.ToList();
                    Shuffle(list);
                    var keep = list.Take(Options.D).ToList();
                    foreach (var p in list.Skip(Options.D))
                    {
                        mesh.Remove(p);
                        _score.Prune(p, topic);
                        var r = For(p);
                        r.Prune.Add((topic, (ulong)Options.PruneBackoff.TotalSeconds));
                        if (Options.PeerExchange) r.PrunePeers[topic] = keep.Take(Options.PrunePeers).ToList();
                        _backoff[(topic, p)] = now + Options.PruneBackoff;
                    }
                }
            }
            if (opportunistic)
            {
                foreach (var (topic, mesh) in _mesh)
                {
                    if (mesh.Count < 2) continue;
                    var scores = mesh.Select(p => ScoreOf(p, now)).OrderBy(x => x).ToArray();
                    double median = scores[scores.Length / 2];
                    if (median >= Options.ScoreThresholds.OpportunisticGraftThreshold) continue;
                    foreach (var p in Candidates(topic, int.MaxValue, mesh).Where(p => ScoreOf(p, now) > median).Take(2))
                    {
                        mesh.Add(p);
                        _score.Graft(p, topic, now);
                        For(p).Graft.Add(topic);
                    }
                }
            }
            foreach (var topic in _fanoutLastPublish.Where(kv => now - kv.Value > Options.FanoutTtl).Select(kv => kv.Key).ToArray())
            {
                _fanoutLastPublish.Remove(topic);
                _fanout.Remove(topic);
            }
            foreach (var (topic, fan) in _fanout)
            {
                fan.RemoveWhere(p => !_peers.TryGetValue(p, out var ps) || !ps.Topics.Contains(topic));
                if (fan.Count < Options.D) foreach (var p in Candidates(topic, Options.D - fan.Count, fan)) fan.Add(p);
            }
            // gossip: IHAVE for recent messages to non-mesh peers
            var gossipTopics = new Dictionary<string, List<byte[]>>();
            for (int w = 0; w < Math.Min(Options.McacheGossip, _mcacheWindows.Count); w++)
                foreach (var (id, topic) in _mcacheWindows[w])
                    if ((_mesh.ContainsKey(topic) || _fanout.ContainsKey(topic)) && _mcache.TryGetValue(id, out var cm))
                    {
                        if (!gossipTopics.TryGetValue(topic, out var l)) gossipTopics[topic] = l = new();
                        if (l.Count < Options.MaxIHaveLength) l.Add(cm.Id);
                    }
            foreach (var (topic, ids) in gossipTopics)
            {
                var exclude = new HashSet<PeerId>(_mesh.TryGetValue(topic, out var m) ? m : (_fanout.TryGetValue(topic, out var f) ? f : []));
                var cands = Candidates(topic, int.MaxValue, exclude).Where(p => ScoreOf(p, now) >= Options.ScoreThresholds.GossipThreshold).ToList();
                int n = Math.Max(Options.DLazy, (int)(Options.GossipFactor * cands.Count));
                foreach (var p in cands.Take(n)) For(p).IHave.Add((topic, ids));
            }
            // shift the message cache
            var last = _mcacheWindows[^1];
            foreach (var (id, _) in last) _mcache.Remove(id);
            _mcacheWindows.RemoveAt(_mcacheWindows.Count - 1);
            _mcacheWindows.Insert(0, new());
            // expire seen entries and backoffs; reset per-heartbeat counters; decay penalties
            while (_seenOrder.Count > 0 && _seenOrder.Peek().Expiry < now)
            {
                var (k, exp) = _seenOrder.Dequeue();
                if (_seen.TryGetValue(k, out var e) && e == exp) _seen.Remove(k);
            }
            if (_backoff.Count > 0)
                foreach (var k in _backoff.Where(kv => kv.Value < now).Select(kv => kv.Key).ToArray()) _backoff.Remove(k);
            foreach (var p in _peers.Values)
            {
                p.IHaveCount = 0;
                p.IWantAsked = 0;
            }
            foreach (var (p, rpc) in outgoing)
                if (_peers.TryGetValue(p, out var ps)) Send(ps, rpc);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        _host.Connected -= OnConnected;
        _host.Disconnected -= OnDisconnected;
        foreach (var p in Protocols) _host.RemoveStreamHandler(p);
        lock (_lock) foreach (var p in _peers.Values) p.Queue.Writer.TryComplete();
        if (_heartbeat is not null) await _heartbeat.ConfigureAwait(false);
    }
}
