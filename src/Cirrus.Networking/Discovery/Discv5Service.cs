using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Cirrus.Networking.Discovery;

public sealed class Discv5Options
{
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);
    public int RequestRetries { get; set; } = 1;
    public int BucketSize { get; set; } = 16;
    public int LookupParallelism { get; set; } = 3;
    /// <summary>Random lookups run this often while the service runs (zero: never).</summary>
    public TimeSpan LookupInterval { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Liveness pings of the stalest table entry run this often (zero: never).</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(10);
    public int MaxSessions { get; set; } = 1000;
    /// <summary>Sessions are renegotiated after this long.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromHours(12);
    public int MaxPendingChallenges { get; set; } = 1000;
    public int MaxKnownEnrs { get; set; } = 10_000;
    public int MaxPendingRequests { get; set; } = 500;
    public TimeSpan ChallengeTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Packets accepted per second from one endpoint (ip:port), and burst.</summary>
    public double PacketsPerSecondPerEndpoint { get; set; } = 200;
    public double PacketBurstPerEndpoint { get; set; } = 400;
    /// <summary>WHOAREYOU challenges issued per second to one IP, and burst.</summary>
    public double ChallengesPerSecondPerIp { get; set; } = 50;
    public double ChallengeBurstPerIp { get; set; } = 200;
    /// <summary>Most NODES messages accepted for one FINDNODE; further ones are ignored.</summary>
    public int MaxNodesResponses { get; set; } = 10;
    /// <summary>Most records returned for one FINDNODE; twice this many are accepted from a peer's answer.</summary>
    public int MaxNodesPerFindNode { get; set; } = 16;
    /// <summary>Update the local ENR's ip/udp when this many distinct peers report another address in PONG (zero: never).</summary>
    public int EndpointVotesToUpdate { get; set; } = 0;
}

/// <summary>Counters for observing the service (tests, metrics).</summary>
public sealed class Discv5Stats
{
    public long PacketsReceived;
    public long PacketsDropped;
    public long PacketsRateLimited;
    public long HandshakesCompleted;
    public long HandshakesFailed;
    public long WhoAreYouSent;
    public long MessagesHandled;
    public long RequestsTimedOut;
    public long BadEnrsDropped;
    public long NodesResponsesIgnored;
}

/// <summary>
/// discv5.1 node: UDP transport, sessions and handshake, PING/PONG, FINDNODE/NODES, TALKREQ/TALKRESP,
/// Kademlia table, iterative lookups and a peer search that selects records by a caller's predicate.
/// </summary>
public sealed class Discv5Service : IAsyncDisposable
{
    private sealed class Session
    {
        public required byte[] WriteKey;
        public required byte[] ReadKey;
        public Enr? Enr;
        public readonly long CreatedTicks = Environment.TickCount64;
    }

    private sealed class Challenge
    {
        public required byte[] ChallengeData;
        public Enr? KnownEnr;
        public long CreatedTicks;
    }

    private sealed class Pending
    {
        public required Enr Remote;
        public required IPEndPoint Endpoint;
        public required Discv5Message Request;
        public required TaskCompletionSource<object?> Done;
        public required ulong Id;
        public byte[] Nonce = [];
        // nonces of earlier unanswered attempts: a peer that already challenged one of them answers
        // no further random packets until that challenge expires, so its late WHOAREYOU must still match
        public readonly List<byte[]> PriorNonces = new();
        public int AttemptsLeft;
        public int ResponsesReceived;
        public int ExpectedResponses = -1;
        public readonly List<Enr> Found = new();
        public bool HandshakeSent;
        public CancellationTokenSource? Timer;
    }

    private readonly object _gate = new();
    private readonly Secp256k1Key _key;
    private readonly Discv5Options _options;
    private readonly Socket _socket;
    private readonly RoutingTable _table;
    private readonly BoundedLru<string, Session> _sessions;
    private readonly BoundedLru<string, Challenge> _challenges;
    private readonly BoundedLru<string, Enr> _known;
    private readonly BoundedLru<string, Enr> _verifiedRecords = new(4096); // raw record -> decoded, skips re-verifying signatures
    private readonly Dictionary<ulong, Pending> _pending = new();
    private readonly Dictionary<UInt128, Pending> _pendingByNonce = new();
    private readonly RateLimiter _packetLimiter;
    private readonly RateLimiter _challengeLimiter;
    private readonly Dictionary<string, Func<byte[], IPEndPoint, byte[]>> _talkHandlers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IPEndPoint> _endpointVotes = new();
    private readonly CancellationTokenSource _cts = new();
    private Task _receiveLoop = Task.CompletedTask;
    private Task _maintenanceLoop = Task.CompletedTask;
    private Enr _localEnr;
    private bool _started;

    public Discv5Stats Stats { get; } = new();
    public byte[] NodeId => _key.NodeId;
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;
    public Enr LocalEnr { get { lock (_gate) return _localEnr; } }

    /// <summary>Raised (outside the lock, on a thread-pool thread) for each newly learned valid record.</summary>
    public event Action<Enr>? Discovered;

    /// <summary>Raised after the local record was re-signed (e.g. to persist it with <see cref="LocalEnrFile"/>).</summary>
    public event Action<Enr>? LocalEnrChanged;

    private Discv5Service(Secp256k1Key key, Enr localEnr, Socket socket, Discv5Options options)
    {
        _key = key;
        _localEnr = localEnr;
        _socket = socket;
        _options = options;
        _table = new RoutingTable(key.NodeId, options.BucketSize);
        _sessions = new(options.MaxSessions);
        _challenges = new(options.MaxPendingChallenges);
        _known = new(options.MaxKnownEnrs);
        _packetLimiter = new RateLimiter(options.PacketsPerSecondPerEndpoint, options.PacketBurstPerEndpoint);
        _challengeLimiter = new RateLimiter(options.ChallengesPerSecondPerIp, options.ChallengeBurstPerIp);
    }

    /// <summary>
    /// Binds a UDP socket and builds the local ENR (ip and udp taken from the bound endpoint unless
    /// <paramref name="configure"/> sets them; seq from <paramref name="seq"/>). Call <see cref="Start"/> next.
    /// </summary>
    public static Discv5Service Create(Secp256k1Key key, IPEndPoint bind, Action<EnrBuilder>? configure = null,
        Discv5Options? options = null, ulong seq = 1)
    {
        var socket = NewSocket(bind);
        try
        {
            socket.Bind(bind);
            var local = (IPEndPoint)socket.LocalEndPoint!;
            var b = new EnrBuilder { Seq = seq };
            if (!local.Address.Equals(IPAddress.Any) && !local.Address.Equals(IPAddress.IPv6Any)) b.SetIp(local.Address);
            b.SetUdp(local.Port);
            configure?.Invoke(b);
            return new Discv5Service(key, b.Build(key), socket, options ?? new Discv5Options());
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Binds with an existing local record (e.g. loaded from the data dir); its key must be <paramref name="key"/>.</summary>
    public static Discv5Service Create(Secp256k1Key key, IPEndPoint bind, Enr localEnr, Discv5Options? options = null)
    {
        if (!localEnr.NodeId.AsSpan().SequenceEqual(key.NodeId)) throw new ArgumentException("ENR does not belong to key");
        var socket = NewSocket(bind);
        try { socket.Bind(bind); }
        catch { socket.Dispose(); throw; }
        return new Discv5Service(key, localEnr, socket, options ?? new Discv5Options());
    }

    public void Start()
    {
        lock (_gate)
        {
            if (_started) return;
            _started = true;
        }
        _receiveLoop = Task.Run(ReceiveLoop);
        _maintenanceLoop = Task.Run(MaintenanceLoop);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cts.IsCancellationRequested) return;
        _cts.Cancel();
        _socket.Dispose();
        try { await Task.WhenAll(_receiveLoop, _maintenanceLoop).ConfigureAwait(false); } catch { /* loops end on cancellation */ }
        List<Pending> pending;
        lock (_gate) { pending = [.. _pending.Values]; _pending.Clear(); _pendingByNonce.Clear(); }
        foreach (var p in pending) { p.Timer?.Dispose(); p.Done.TrySetCanceled(); }
        _cts.Dispose();
    }

    // ---- public API ---------------------------------------------------------------------------

    /// <summary>Re-signs the local record with a bumped sequence number after applying <paramref name="change"/>.</summary>
    public Enr UpdateEnr(Action<EnrBuilder> change)
    {
        Enr updated;
        lock (_gate)
        {
            var b = _localEnr.ToBuilder();
            change(b);
            _localEnr = updated = b.Build(_key);
        }
        RaiseLocalEnrChanged(updated);
        return updated;
    }

    private void RaiseLocalEnrChanged(Enr enr)
    {
        var handler = LocalEnrChanged;
        if (handler is null) return;
        try { handler(enr); } catch (Exception) { /* subscriber errors are not ours */ }
    }

    public Enr SetForkId(EnrForkId forkId) => UpdateEnr(b => b.SetEth2(forkId));
    public Enr SetAttnets(ulong mask) => UpdateEnr(b => b.SetAttnets(mask));

    /// <summary>Adds a record to the table (e.g. a bootnode). Returns false if invalid or our own.</summary>
    public bool AddEnr(Enr enr)
    {
        if (enr.NodeId.AsSpan().SequenceEqual(_key.NodeId) || enr.UdpEndPoint is null) return false;
        bool isNew;
        lock (_gate)
        {
            isNew = RememberLocked(enr);
            _table.AddOrUpdate(enr, seen: false);
        }
        if (isNew) RaiseDiscovered(enr);
        return true;
    }

    public bool AddEnr(string text) => Enr.TryParse(text, out var enr) && AddEnr(enr!);

    public void RegisterTalkHandler(string protocol, Func<byte[], IPEndPoint, byte[]> handler)
    {
        lock (_gate) _talkHandlers[protocol] = handler;
    }

    public int TableSize { get { lock (_gate) return _table.Count; } }

    /// <summary>Sizes of the bounded internal stores (for metrics and tests).</summary>
    public (int Sessions, int Challenges, int PendingRequests, int KnownEnrs) StateSizes
    {
        get { lock (_gate) return (_sessions.Count, _challenges.Count, _pending.Count, _known.Count); }
    }
    public IReadOnlyList<Enr> TableEnrs() { lock (_gate) return _table.All(); }

    /// <summary>Every valid record learned so far (bounded), newest sequence numbers kept.</summary>
    public IReadOnlyList<Enr> KnownEnrs() { lock (_gate) return [.. _known.Values]; }

    public Enr? FindKnown(ReadOnlySpan<byte> nodeId)
    {
        var hex = Convert.ToHexStringLower(nodeId);
        lock (_gate) return _known.TryGet(hex, out var e) ? e : null;
    }

    /// <summary>Known records that <paramref name="predicate"/> accepts (for eth2: <see cref="Eth2Enr.Matches"/>).</summary>
    public IReadOnlyList<Enr> FindPeers(Func<Enr, bool> predicate) => [.. KnownEnrs().Where(predicate)];

    /// <summary>Searches until <paramref name="minCount"/> known records match <paramref name="predicate"/>, or cancelled/rounds run out.
    /// Round 0 looks up a random id. A random id lies at log-distance 255 or 256 from almost every node, so
    /// lookups alone get only the far buckets of the nodes they ask; later rounds therefore ask up to 16 known
    /// nodes directly for five distances each, sweeping 256, 251, 246, …, which in a small network (a devnet
    /// behind one bootnode) reaches the nodes close to them too.</summary>
    public async Task<IReadOnlyList<Enr>> DiscoverPeersAsync(Func<Enr, bool> predicate, int minCount, int maxRounds = 10, CancellationToken ct = default)
    {
        for (int round = 0; ; round++)
        {
            var found = FindPeers(predicate);
            if (found.Count >= minCount || round >= maxRounds || ct.IsCancellationRequested) return found;
            try
            {
                var pivots = TableEnrs().ToArray();
                if (round == 0 || pivots.Length == 0) await FindRandomNodesAsync(ct).ConfigureAwait(false);
                else
                {
                    int d = 256 - 5 * ((round - 1) % 52);
                    int[] distances = [.. new[] { d, d + 1, d - 1, d - 2, d - 3 }.Where(x => x is >= 1 and <= 256)];
                    Random.Shared.Shuffle(pivots);
                    await Task.WhenAll(pivots.Take(16).Select(p => FindNodeAsync(p, distances, ct))).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) { return FindPeers(predicate); }
        }
    }

    public async Task<Pong?> PingAsync(Enr remote, CancellationToken ct = default)
    {
        var r = await RequestAsync(remote, id => new Ping(id, LocalEnr.Seq), ct).ConfigureAwait(false);
        return r as Pong;
    }

    public async Task<IReadOnlyList<Enr>> FindNodeAsync(Enr remote, int[] distances, CancellationToken ct = default)
    {
        var r = await RequestAsync(remote, id => new FindNode(id, distances), ct).ConfigureAwait(false);
        return r as List<Enr> ?? [];
    }

    public async Task<byte[]?> TalkAsync(Enr remote, string protocol, byte[] request, CancellationToken ct = default)
    {
        var r = await RequestAsync(remote, id => new TalkReq(id, System.Text.Encoding.ASCII.GetBytes(protocol), request), ct).ConfigureAwait(false);
        return (r as TalkResp)?.Response;
    }

    public Task<IReadOnlyList<Enr>> FindRandomNodesAsync(CancellationToken ct = default)
    {
        var target = new byte[32];
        RandomNumberGenerator.Fill(target);
        return LookupAsync(target, ct);
    }

    /// <summary>Iterative Kademlia lookup for <paramref name="target"/>; returns the closest responsive nodes found.</summary>
    public async Task<IReadOnlyList<Enr>> LookupAsync(byte[] target, CancellationToken ct = default)
    {
        int k = _options.BucketSize;
        var candidates = new Dictionary<string, Enr>();
        var queried = new HashSet<string>();
        var responded = new HashSet<string>();
        lock (_gate) foreach (var e in _table.Closest(target, k)) candidates[e.NodeIdHex] = e;
        var inflight = new Dictionary<Task<object?>, Enr>();
        int maxQueries = 8 * k;
        while (!ct.IsCancellationRequested && !_cts.IsCancellationRequested)
        {
            var closest = candidates.Values.ToList();
            closest.Sort((a, b) => NodeIdMath.CompareDistance(target, a.NodeId, b.NodeId));
            if (closest.Count > k) closest.RemoveRange(k, closest.Count - k);
            foreach (var c in closest)
            {
                if (inflight.Count >= _options.LookupParallelism || queried.Count >= maxQueries) break;
                if (!queried.Add(c.NodeIdHex)) continue;
                var distances = LookupDistances(target, c.NodeId);
                inflight[RequestAsync(c, id => new FindNode(id, distances), ct)] = c;
            }
            if (inflight.Count == 0) break;
            var done = await Task.WhenAny(inflight.Keys).ConfigureAwait(false);
            var peer = inflight[done];
            inflight.Remove(done);
            object? r;
            try { r = await done.ConfigureAwait(false); }
            catch (Exception) { continue; }
            if (r is not List<Enr> found) continue;
            responded.Add(peer.NodeIdHex);
            foreach (var e in found)
            {
                if (e.NodeId.AsSpan().SequenceEqual(_key.NodeId)) continue;
                candidates.TryAdd(e.NodeIdHex, e);
            }
        }
        foreach (var t in inflight.Keys) _ = t.ContinueWith(static x => _ = x.Exception, TaskScheduler.Default);
        var result = candidates.Values.Where(e => responded.Contains(e.NodeIdHex)).ToList();
        result.Sort((a, b) => NodeIdMath.CompareDistance(target, a.NodeId, b.NodeId));
        if (result.Count > k) result.RemoveRange(k, result.Count - k);
        return result;
    }

    /// <summary>
    /// Distances to ask a peer for: its log distance to the target first, then neighbours (mostly closer ones,
    /// which hold fewer nodes), so small networks are covered too. Answers are capped at 16 records anyway.
    /// </summary>
    private static int[] LookupDistances(ReadOnlySpan<byte> target, ReadOnlySpan<byte> peer)
    {
        int d = NodeIdMath.LogDistance(target, peer);
        if (d == 0) return [256, 255, 254, 253, 252];
        var list = new List<int>(5) { d };
        foreach (var x in (ReadOnlySpan<int>)[d + 1, d - 1, d - 2, d - 3, d + 2, d - 4])
            if (x >= 1 && x <= 256 && list.Count < 5) list.Add(x);
        return [.. list];
    }

    // ---- requests -----------------------------------------------------------------------------

    /// <summary>Sends a request and returns: Pong, TalkResp, or List&lt;Enr&gt; for FINDNODE; null on timeout.</summary>
    private async Task<object?> RequestAsync(Enr remote, Func<byte[], Discv5Message> build, CancellationToken ct)
    {
        var ep = remote.UdpEndPoint ?? throw new ArgumentException("record has no UDP endpoint");
        if (remote.NodeId.AsSpan().SequenceEqual(_key.NodeId)) throw new ArgumentException("cannot query ourselves");
        Pending p;
        lock (_gate)
        {
            if (_cts.IsCancellationRequested) return null;
            if (_pending.Count >= _options.MaxPendingRequests) return null;
            ulong id;
            do id = RandomU64(); while (_pending.ContainsKey(id));
            var idBytes = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(idBytes, id);
            p = new Pending
            {
                Remote = remote, Endpoint = ep, Request = build(idBytes), Id = id,
                Done = new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously),
                AttemptsLeft = _options.RequestRetries,
            };
            _pending[id] = p;
            SendRequestLocked(p);
        }
        using var reg = ct.Register(() => { lock (_gate) FinishLocked(p, null, timedOut: false); });
        return await p.Done.Task.ConfigureAwait(false);
    }

    private void ArmTimerLocked(Pending p)
    {
        p.Timer?.Dispose();
        var cts = new CancellationTokenSource(_options.RequestTimeout);
        p.Timer = cts;
        cts.Token.Register(() =>
        {
            lock (_gate)
            {
                if (p.Timer != cts || p.Done.Task.IsCompleted) return;
                p.Timer = null; // this source is firing: never dispose it from its own callback
                if (p.AttemptsLeft > 0 && p.ResponsesReceived == 0)
                {
                    p.AttemptsLeft--;
                    p.HandshakeSent = false;
                    SendRequestLocked(p);
                    return;
                }
                Interlocked.Increment(ref Stats.RequestsTimedOut);
                // partial NODES results still count
                FinishLocked(p, p.Request is FindNode && p.ResponsesReceived > 0 ? p.Found : null, timedOut: true);
            }
        });
    }

    private void SendRequestLocked(Pending p)
    {
        if (p.Nonce.Length > 0) p.PriorNonces.Add(p.Nonce);
        p.Nonce = RandomNonce();
        _pendingByNonce[NonceKey(p.Nonce)] = p;
        var iv = Discv5Packet.RandomMaskingIv();
        byte[] packet;
        if (TryGetSessionLocked(SessionKey(p.Remote.NodeIdHex, p.Endpoint), out var s))
            packet = Discv5Packet.EncodeWithMessage(p.Remote.NodeId, iv, PacketFlag.Message, p.Nonce, _key.NodeId, s.WriteKey, p.Request.Encode());
        else
        {
            // no session: a message packet with random content provokes WHOAREYOU
            var junk = new byte[20];
            RandomNumberGenerator.Fill(junk);
            var header = Discv5Packet.BuildHeader(PacketFlag.Message, p.Nonce, _key.NodeId);
            packet = Discv5Packet.Encode(p.Remote.NodeId, iv, header, junk);
        }
        ArmTimerLocked(p);
        Send(packet, p.Endpoint);
    }

    private void FinishLocked(Pending p, object? result, bool timedOut)
    {
        if (!_pending.Remove(p.Id)) return;
        foreach (var n in p.PriorNonces.Append(p.Nonce))
            if (n.Length > 0 && _pendingByNonce.TryGetValue(NonceKey(n), out var q) && q == p) _pendingByNonce.Remove(NonceKey(n));
        p.Timer?.Dispose();
        if (timedOut && result is null)
        {
            // unresponsive: drop its session and evict it from the table (replacement promoted)
            _sessions.Remove(SessionKey(p.Remote.NodeIdHex, p.Endpoint));
            _table.Remove(p.Remote.NodeIdHex);
        }
        p.Done.TrySetResult(result);
    }

    // ---- receive path -------------------------------------------------------------------------

    private async Task ReceiveLoop()
    {
        var buffer = new byte[2048];
        EndPoint any = _socket.AddressFamily == AddressFamily.InterNetworkV6 ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
        while (!_cts.IsCancellationRequested)
        {
            SocketReceiveFromResult r;
            try { r = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException) { Drop(); continue; } // oversized datagram, or ICMP port unreachable reported on Linux
            var from = (IPEndPoint)r.RemoteEndPoint;
            if (from.Address.IsIPv4MappedToIPv6) from = new IPEndPoint(from.Address.MapToIPv4(), from.Port);
            Interlocked.Increment(ref Stats.PacketsReceived);
            List<Enr>? discovered = null;
            try
            {
                lock (_gate) discovered = HandlePacketLocked(buffer.AsSpan(0, r.ReceivedBytes), from);
            }
            catch (Exception)
            {
                // defensive: no input may stop the loop
                Interlocked.Increment(ref Stats.PacketsDropped);
            }
            if (discovered is not null) foreach (var e in discovered) RaiseDiscovered(e);
        }
    }

    /// <summary>Processes one datagram; returns newly learned records.</summary>
    internal List<Enr>? HandlePacketLocked(ReadOnlySpan<byte> data, IPEndPoint from)
    {
        if (!_packetLimiter.Allow(from.ToString())) { Interlocked.Increment(ref Stats.PacketsRateLimited); return null; }
        if (!Discv5Packet.TryDecode(data, _key.NodeId, out var h)) { Drop(); return null; }
        switch (h!.Flag)
        {
            case PacketFlag.Message: return HandleMessagePacketLocked(h, from);
            case PacketFlag.WhoAreYou: HandleWhoAreYouLocked(h, from); return null;
            case PacketFlag.Handshake: return HandleHandshakeLocked(h, from);
            default: Drop(); return null;
        }
    }

    private void Drop() => Interlocked.Increment(ref Stats.PacketsDropped);

    private List<Enr>? HandleMessagePacketLocked(PacketHeader h, IPEndPoint from)
    {
        var src = h.SrcId;
        var srcHex = Convert.ToHexStringLower(src);
        var skey = SessionKey(srcHex, from);
        if (TryGetSessionLocked(skey, out var s) && Discv5Crypto.TryDecrypt(s.ReadKey, h.Nonce, h.Message, h.MaskingIvAndHeader, out var pt))
            return HandleMessageLocked(pt, src, srcHex, from, s);
        SendWhoAreYouLocked(h, src, srcHex, from);
        return null;
    }

    private void SendWhoAreYouLocked(PacketHeader h, byte[] src, string srcHex, IPEndPoint from)
    {
        if (!_challengeLimiter.Allow(from.Address.ToString())) { Interlocked.Increment(ref Stats.PacketsRateLimited); return; }
        Enr? known = null;
        if (_known.TryGet(srcHex, out var k)) known = k;
        var idNonce = new byte[16];
        RandomNumberGenerator.Fill(idNonce);
        var iv = Discv5Packet.RandomMaskingIv();
        var header = Discv5Packet.BuildHeader(PacketFlag.WhoAreYou, h.Nonce, Discv5Packet.WhoAreYouAuthData(idNonce, known?.Seq ?? 0));
        _challenges.Set(SessionKey(srcHex, from), new Challenge { ChallengeData = [.. iv, .. header], KnownEnr = known, CreatedTicks = Environment.TickCount64 });
        Interlocked.Increment(ref Stats.WhoAreYouSent);
        Send(Discv5Packet.Encode(src, iv, header, []), from);
    }

    private void HandleWhoAreYouLocked(PacketHeader h, IPEndPoint from)
    {
        if (!_pendingByNonce.TryGetValue(NonceKey(h.Nonce), out var p) || !p.Endpoint.Equals(from) || p.HandshakeSent) { Drop(); return; }
        var remote = p.Remote;
        var challengeData = h.MaskingIvAndHeader;
        var eph = Secp256k1Key.Generate();
        if (!eph.TryEcdh(remote.PublicKey, out var secret)) { Drop(); return; }
        var (initiatorKey, recipientKey) = Discv5Crypto.DeriveKeys(secret, _key.NodeId, remote.NodeId, challengeData);
        var sig = Discv5Crypto.IdSign(_key, challengeData, eph.PublicKey, remote.NodeId);
        byte[] record = h.WhoAreYouEnrSeq < _localEnr.Seq ? _localEnr.ToBytes() : [];
        _pendingByNonce.Remove(NonceKey(p.Nonce));
        p.Nonce = RandomNonce();
        _pendingByNonce[NonceKey(p.Nonce)] = p;
        p.HandshakeSent = true;
        var packet = Discv5Packet.EncodeWithMessage(remote.NodeId, Discv5Packet.RandomMaskingIv(), PacketFlag.Handshake, p.Nonce,
            Discv5Packet.HandshakeAuthData(_key.NodeId, sig, eph.PublicKey, record), initiatorKey, p.Request.Encode());
        _sessions.Set(SessionKey(remote.NodeIdHex, from), new Session { WriteKey = initiatorKey, ReadKey = recipientKey, Enr = remote });
        ArmTimerLocked(p);
        Send(packet, from);
    }

    private List<Enr>? HandleHandshakeLocked(PacketHeader h, IPEndPoint from)
    {
        var src = h.SrcId;
        var srcHex = Convert.ToHexStringLower(src);
        var ckey = SessionKey(srcHex, from);
        if (!_challenges.TryGet(ckey, out var ch)
            || Environment.TickCount64 - ch.CreatedTicks > (long)_options.ChallengeTimeout.TotalMilliseconds)
        { Fail(); return null; }
        Enr? enr = ch.KnownEnr;
        var rec = h.Record;
        if (rec.Length > 0)
        {
            Enr sent;
            try { sent = Enr.Decode(rec); }
            catch (EnrException) { Interlocked.Increment(ref Stats.BadEnrsDropped); Fail(); return null; }
            if (!sent.NodeId.AsSpan().SequenceEqual(src)) { Fail(); return null; }
            if (enr is null || sent.Seq > enr.Seq) enr = sent;
        }
        if (enr is null) { Fail(); return null; }
        if (!_key.TryEcdh(h.EphemeralPubkey, out var secret)) { Fail(); return null; }
        if (!Discv5Crypto.IdVerify(enr.PublicKey, h.IdSignature, ch.ChallengeData, h.EphemeralPubkey, _key.NodeId)) { Fail(); return null; }
        var (initiatorKey, recipientKey) = Discv5Crypto.DeriveKeys(secret, src, _key.NodeId, ch.ChallengeData);
        if (!Discv5Crypto.TryDecrypt(initiatorKey, h.Nonce, h.Message, h.MaskingIvAndHeader, out var pt)) { Fail(); return null; }
        _challenges.Remove(ckey);
        var s = new Session { WriteKey = recipientKey, ReadKey = initiatorKey, Enr = enr };
        _sessions.Set(ckey, s);
        Interlocked.Increment(ref Stats.HandshakesCompleted);
        var learned = new List<Enr>();
        if (RememberLocked(enr)) learned.Add(enr);
        // only records whose endpoint matches where the packet came from enter the table as live
        if (from.Equals(enr.UdpEndPoint)) _table.AddOrUpdate(enr, seen: true);
        var more = HandleMessageLocked(pt, src, srcHex, from, s);
        if (more is not null) learned.AddRange(more);
        return learned;

        // one attempt per challenge: a forged handshake cannot make us repeat the ECDH and signature work
        void Fail() { _challenges.Remove(ckey); Interlocked.Increment(ref Stats.HandshakesFailed); Drop(); }
    }

    private List<Enr>? HandleMessageLocked(byte[] pt, byte[] src, string srcHex, IPEndPoint from, Session s)
    {
        Discv5Message msg;
        try { msg = Discv5Message.Decode(pt); }
        catch (Discv5Exception) { Drop(); return null; }
        Interlocked.Increment(ref Stats.MessagesHandled);
        if (s.Enr is not null && from.Equals(s.Enr.UdpEndPoint)) _table.AddOrUpdate(s.Enr, seen: true);
        switch (msg)
        {
            case Ping ping:
                SendMessageLocked(s, src, from, new Pong(ping.RequestId, _localEnr.Seq, from.Address, from.Port));
                if (s.Enr is null || ping.EnrSeq > s.Enr.Seq) RefreshEnrLater(s, from);
                return null;
            case FindNode fn:
                RespondNodesLocked(s, src, from, fn);
                return null;
            case TalkReq tr:
            {
                byte[] response = [];
                if (_talkHandlers.TryGetValue(System.Text.Encoding.ASCII.GetString(tr.Protocol), out var handler))
                {
                    try { response = handler(tr.Request, from); } catch (Exception) { response = []; }
                }
                SendMessageLocked(s, src, from, new TalkResp(tr.RequestId, response));
                return null;
            }
            default:
                return HandleResponseLocked(msg, srcHex, from, s);
        }
    }

    private List<Enr>? HandleResponseLocked(Discv5Message msg, string srcHex, IPEndPoint from, Session s)
    {
        if (msg.RequestId.Length != 8 || !_pending.TryGetValue(BinaryPrimitives.ReadUInt64BigEndian(msg.RequestId), out var p)
            || p.Remote.NodeIdHex != srcHex || !p.Endpoint.Equals(from))
        { Drop(); return null; }
        switch (msg, p.Request)
        {
            case (Pong pong, Ping):
                p.ResponsesReceived++;
                ulong knownSeq = _known.TryGet(srcHex, out var kn) ? kn.Seq : 0;
                if (pong.EnrSeq > knownSeq) RefreshEnrLater(s, from);
                VoteEndpointLocked(srcHex, new IPEndPoint(pong.RecipientIp, pong.RecipientPort));
                FinishLocked(p, pong, false);
                return null;
            case (TalkResp tr, TalkReq):
                p.ResponsesReceived++;
                FinishLocked(p, tr, false);
                return null;
            case (Nodes nodes, FindNode fn):
            {
                if (p.ResponsesReceived >= _options.MaxNodesResponses) { Interlocked.Increment(ref Stats.NodesResponsesIgnored); return null; }
                p.ResponsesReceived++;
                if (p.ExpectedResponses < 0) p.ExpectedResponses = Math.Clamp(nodes.Total, 1, _options.MaxNodesResponses);
                var learned = new List<Enr>();
                foreach (var raw in nodes.Enrs)
                {
                    if (p.Found.Count >= 2 * _options.MaxNodesPerFindNode) { Interlocked.Increment(ref Stats.NodesResponsesIgnored); break; }
                    if (!TryDecodeRecordLocked(raw, out var e)) { Interlocked.Increment(ref Stats.BadEnrsDropped); continue; }
                    int d = NodeIdMath.LogDistance(e.NodeId, p.Remote.NodeId);
                    if (Array.IndexOf(fn.Distances, d) < 0 || e.UdpEndPoint is null) { Interlocked.Increment(ref Stats.BadEnrsDropped); continue; }
                    if (e.NodeId.AsSpan().SequenceEqual(_key.NodeId)) continue;
                    if (!p.Found.Exists(f => f.NodeIdHex == e.NodeIdHex)) p.Found.Add(e);
                    if (d == 0)
                    {
                        if (e.Seq > p.Remote.Seq && s.Enr is not null && e.Seq > s.Enr.Seq) s.Enr = e;
                        if (from.Equals(e.UdpEndPoint)) _table.AddOrUpdate(e, seen: true);
                    }
                    else _table.AddOrUpdate(e, seen: false);
                    if (RememberLocked(e)) learned.Add(e);
                }
                if (p.ResponsesReceived >= p.ExpectedResponses) FinishLocked(p, p.Found, false);
                return learned;
            }
            default:
                Drop();
                return null;
        }
    }

    private void RespondNodesLocked(Session s, byte[] src, IPEndPoint from, FindNode fn)
    {
        var enrs = new List<Enr>();
        var seen = new HashSet<int>();
        foreach (var d in fn.Distances)
        {
            if (!seen.Add(d) || seen.Count > 8) continue;
            if (d == 0) enrs.Add(_localEnr);
            else enrs.AddRange(_table.AtDistance(d));
            if (enrs.Count >= _options.MaxNodesPerFindNode) break;
        }
        if (enrs.Count > _options.MaxNodesPerFindNode) enrs.RemoveRange(_options.MaxNodesPerFindNode, enrs.Count - _options.MaxNodesPerFindNode);
        // pack records so each packet stays well below 1280 bytes
        var chunks = new List<List<byte[]>> { new() };
        int size = 0;
        foreach (var e in enrs)
        {
            if (size + e.Encoded.Length > 1000 && chunks[^1].Count > 0) { chunks.Add(new()); size = 0; }
            chunks[^1].Add(e.ToBytes());
            size += e.Encoded.Length;
        }
        foreach (var c in chunks) SendMessageLocked(s, src, from, new Nodes(fn.RequestId, chunks.Count, c));
    }

    private void SendMessageLocked(Session s, byte[] dest, IPEndPoint to, Discv5Message msg)
    {
        var packet = Discv5Packet.EncodeWithMessage(dest, Discv5Packet.RandomMaskingIv(), PacketFlag.Message, RandomNonce(), _key.NodeId, s.WriteKey, msg.Encode());
        Send(packet, to);
    }

    private void RefreshEnrLater(Session s, IPEndPoint from)
    {
        var enr = s.Enr;
        if (enr is null || !from.Equals(enr.UdpEndPoint)) return;
        _ = Task.Run(async () =>
        {
            try
            {
                var got = await FindNodeAsync(enr, [0], _cts.Token).ConfigureAwait(false);
                foreach (var e in got)
                    if (e.NodeIdHex == enr.NodeIdHex)
                        lock (_gate) { if (s.Enr is null || e.Seq >= s.Enr.Seq) s.Enr = e; }
            }
            catch (Exception) { /* best effort */ }
        });
    }

    private void VoteEndpointLocked(string voter, IPEndPoint reported)
    {
        if (_options.EndpointVotesToUpdate <= 0) return;
        if (_endpointVotes.Count > 1000) _endpointVotes.Clear();
        _endpointVotes[voter] = reported;
        var current = _localEnr.UdpEndPoint;
        if (reported.Equals(current)) return;
        int votes = 0;
        foreach (var v in _endpointVotes.Values) if (v.Equals(reported)) votes++;
        if (votes < _options.EndpointVotesToUpdate) return;
        var b = _localEnr.ToBuilder().SetIp(reported.Address).SetUdp(reported.Port);
        _localEnr = b.Build(_key);
        _endpointVotes.Clear();
        var changed = _localEnr;
        _ = Task.Run(() => RaiseLocalEnrChanged(changed));
    }

    private bool TryDecodeRecordLocked(byte[] raw, out Enr e)
    {
        if (raw.Length > Enr.MaxSize) { e = null!; return false; }
        var cacheKey = Convert.ToBase64String(raw);
        if (_verifiedRecords.TryGet(cacheKey, out e)) return true;
        try { e = Enr.Decode(raw); }
        catch (EnrException) { return false; }
        _verifiedRecords.Set(cacheKey, e);
        return true;
    }

    private bool RememberLocked(Enr enr)
    {
        if (enr.NodeId.AsSpan().SequenceEqual(_key.NodeId)) return false;
        if (_known.TryGet(enr.NodeIdHex, out var old))
        {
            if (enr.Seq > old.Seq) _known.Set(enr.NodeIdHex, enr);
            return false;
        }
        _known.Set(enr.NodeIdHex, enr);
        return true;
    }

    private void RaiseDiscovered(Enr e)
    {
        var handler = Discovered;
        if (handler is null) return;
        try { handler(e); } catch (Exception) { /* subscriber errors are not ours */ }
    }

    // ---- maintenance ---------------------------------------------------------------------------

    private async Task MaintenanceLoop()
    {
        long nextLookup = _options.LookupInterval > TimeSpan.Zero ? Environment.TickCount64 : long.MaxValue;
        long nextPing = _options.PingInterval > TimeSpan.Zero ? Environment.TickCount64 + (long)_options.PingInterval.TotalMilliseconds : long.MaxValue;
        while (!_cts.IsCancellationRequested)
        {
            try { await Task.Delay(100, _cts.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            long now = Environment.TickCount64;
            try
            {
                if (now >= nextPing)
                {
                    nextPing = now + (long)_options.PingInterval.TotalMilliseconds;
                    RoutingTable.Entry? stale;
                    lock (_gate) stale = _table.Stalest();
                    if (stale is not null) _ = PingAsync(stale.Enr, _cts.Token);
                }
                if (now >= nextLookup)
                {
                    bool any;
                    lock (_gate) any = _table.Count > 0;
                    if (any)
                    {
                        nextLookup = now + (long)_options.LookupInterval.TotalMilliseconds;
                        await FindRandomNodesAsync(_cts.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) { return; }
            catch (Exception) { /* keep maintaining */ }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void Send(byte[] packet, IPEndPoint to)
    {
        try { _socket.SendTo(packet, SocketFlags.None, to); }
        catch (SocketException) { }
        catch (ObjectDisposedException) { }
    }

    private bool TryGetSessionLocked(string key, out Session session)
    {
        if (!_sessions.TryGet(key, out session)) return false;
        if (Environment.TickCount64 - session.CreatedTicks <= (long)_options.SessionTimeout.TotalMilliseconds) return true;
        _sessions.Remove(key); // expired: the next exchange runs a fresh handshake
        return false;
    }

    private static Socket NewSocket(IPEndPoint bind)
    {
        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try { socket.ReceiveBufferSize = 1 << 20; } catch (SocketException) { /* keep the system default */ }
        return socket;
    }

    private static string SessionKey(string nodeIdHex, IPEndPoint ep) => nodeIdHex + "@" + ep;
    private static UInt128 NonceKey(ReadOnlySpan<byte> nonce) => new(BinaryPrimitives.ReadUInt32BigEndian(nonce), BinaryPrimitives.ReadUInt64BigEndian(nonce[4..]));

    private static byte[] RandomNonce() { var n = new byte[12]; RandomNumberGenerator.Fill(n); return n; }
    private static ulong RandomU64() { Span<byte> b = stackalloc byte[8]; RandomNumberGenerator.Fill(b); return BinaryPrimitives.ReadUInt64LittleEndian(b); }
}
