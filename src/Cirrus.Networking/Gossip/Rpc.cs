namespace Cirrus.Networking.Gossip;

/// <summary>pubsub <c>Message</c>. Under StrictNoSign only <see cref="Topic"/> and <see cref="Data"/> may be set.</summary>
public sealed class RpcMessage
{
    public byte[]? From;
    public byte[] Data = [];
    public byte[]? Seqno;
    public string Topic = "";
    public byte[]? Signature;
    public byte[]? Key;

    public ProtoWriter Encode()
    {
        var w = new ProtoWriter(Data.Length + Topic.Length + 16);
        if (From is not null) w.Bytes(1, From);
        w.Bytes(2, Data);
        if (Seqno is not null) w.Bytes(3, Seqno);
        w.String(4, Topic);
        if (Signature is not null) w.Bytes(5, Signature);
        if (Key is not null) w.Bytes(6, Key);
        return w;
    }

    public static RpcMessage Decode(ReadOnlySpan<byte> b)
    {
        var m = new RpcMessage();
        var r = new ProtoReader(b);
        while (r.Next(out var f))
        {
            switch (f.Number)
            {
                case 1: m.From = f.AsBytes(); break;
                case 2: m.Data = f.AsBytes(); break;
                case 3: m.Seqno = f.AsBytes(); break;
                case 4: m.Topic = f.AsString(); break;
                case 5: m.Signature = f.AsBytes(); break;
                case 6: m.Key = f.AsBytes(); break;
            }
        }
        return m;
    }
}

/// <summary>A pubsub RPC: subscriptions, messages and gossipsub control messages.</summary>
public sealed class Rpc
{
    public const int MaxSubscriptions = 1024;
    public const int MaxControlEntries = 5000;

    public List<(bool Subscribe, string Topic)> Subscriptions = new();
    public List<RpcMessage> Publish = new();
    public List<(string Topic, List<byte[]> Ids)> IHave = new();
    public List<byte[]> IWant = new();
    public List<string> Graft = new();
    public List<(string Topic, ulong Backoff)> Prune = new();
    /// <summary>Peer exchange: peer ids offered with the PRUNE of a topic (signed peer records are not produced or read).</summary>
    public Dictionary<string, List<PeerId>> PrunePeers = new();

    public bool IsEmpty => Subscriptions.Count == 0 && Publish.Count == 0 && IHave.Count == 0 && IWant.Count == 0 && Graft.Count == 0 && Prune.Count == 0;
    public bool HasControl => IHave.Count > 0 || IWant.Count > 0 || Graft.Count > 0 || Prune.Count > 0;

    public byte[] Encode()
    {
        var w = new ProtoWriter(256);
        foreach (var (sub, topic) in Subscriptions)
            w.Message(1, new ProtoWriter(topic.Length + 8).Bool(1, sub).String(2, topic));
        foreach (var m in Publish) w.Message(2, m.Encode());
        if (HasControl)
        {
            var c = new ProtoWriter(64);
            foreach (var (topic, ids) in IHave)
            {
                var ih = new ProtoWriter(32 + ids.Count * 22).String(1, topic);
                foreach (var id in ids) ih.Bytes(2, id);
                c.Message(1, ih);
            }
            if (IWant.Count > 0)
            {
                var iw = new ProtoWriter(IWant.Count * 22);
                foreach (var id in IWant) iw.Bytes(1, id);
                c.Message(2, iw);
            }
            foreach (var t in Graft) c.Message(3, new ProtoWriter(t.Length + 4).String(1, t));
            foreach (var (t, backoff) in Prune)
            {
                var p = new ProtoWriter(t.Length + 16).String(1, t);
                if (PrunePeers.TryGetValue(t, out var px))
                    foreach (var id in px) p.Message(2, new ProtoWriter(48).Bytes(1, id.Bytes));
                if (backoff > 0) p.UInt64(3, backoff);
                c.Message(4, p);
            }
            w.Message(3, c);
        }
        return w.ToArray();
    }

    /// <summary>Decodes an RPC; malformed protobuf or more than the allowed entries throw <see cref="P2pException"/>.</summary>
    public static Rpc Decode(ReadOnlySpan<byte> b)
    {
        var rpc = new Rpc();
        int control = 0;
        var r = new ProtoReader(b);
        while (r.Next(out var f))
        {
            switch (f.Number)
            {
                case 1:
                    {
                        if (rpc.Subscriptions.Count >= MaxSubscriptions) throw new P2pException("gossipsub: too many subscriptions in one RPC");
                        bool sub = false; string? topic = null;
                        var sr = new ProtoReader(f.Data);
                        while (sr.Next(out var sf))
                        {
                            if (sf.Number == 1) sub = sf.AsVarint() != 0;
                            else if (sf.Number == 2) topic = sf.AsString();
                        }
                        if (topic is not null) rpc.Subscriptions.Add((sub, topic));
                        break;
                    }
                case 2:
                    if (f.WireType != 2) throw new P2pException("gossipsub: bad message field");
                    rpc.Publish.Add(RpcMessage.Decode(f.Data));
                    break;
                case 3:
                    {
                        if (f.WireType != 2) throw new P2pException("gossipsub: bad control field");
                        var cr = new ProtoReader(f.Data);
                        while (cr.Next(out var cf))
                        {
                            if (++control > MaxControlEntries) throw new P2pException("gossipsub: too many control entries");
                            if (cf.WireType != 2) throw new P2pException("gossipsub: bad control entry");
                            var er = new ProtoReader(cf.Data);
                            switch (cf.Number)
                            {
                                case 1:
                                    {
                                        string topic = ""; var ids = new List<byte[]>();
                                        while (er.Next(out var ef))
                                        {
                                            if (ef.Number == 1) topic = ef.AsString();
                                            else if (ef.Number == 2)
                                            {
                                                if (++control > MaxControlEntries) throw new P2pException("gossipsub: too many message ids");
                                                ids.Add(ef.AsBytes());
                                            }
                                        }
                                        rpc.IHave.Add((topic, ids));
                                        break;
                                    }
                                case 2:
                                    while (er.Next(out var ef))
                                        if (ef.Number == 1)
                                        {
                                            if (++control > MaxControlEntries) throw new P2pException("gossipsub: too many message ids");
                                            rpc.IWant.Add(ef.AsBytes());
                                        }
                                    break;
                                case 3:
                                    while (er.Next(out var ef)) if (ef.Number == 1) rpc.Graft.Add(ef.AsString());
                                    break;
                                case 4:
                                    {
                                        string topic = ""; ulong backoff = 0;
                                        var px = new List<PeerId>();
                                        while (er.Next(out var ef))
                                        {
                                            if (ef.Number == 1) topic = ef.AsString();
                                            else if (ef.Number == 3) backoff = ef.AsVarint();
                                            else if (ef.Number == 2 && ef.WireType == 2 && px.Count < 64)
                                            {
                                                if (++control > MaxControlEntries) throw new P2pException("gossipsub: too many PX entries");
                                                var pr = new ProtoReader(ef.Data);
                                                while (pr.Next(out var pf))
                                                    if (pf.Number == 1 && pf.WireType == 2 && PeerId.TryFromBytes(pf.Data, out var pid)) px.Add(pid!);
                                                // field 2, the signed peer record, is not verified and is dropped
                                            }
                                        }
                                        rpc.Prune.Add((topic, backoff));
                                        if (px.Count > 0) rpc.PrunePeers[topic] = px;
                                        break;
                                    }
                                // 5: IDONTWANT (v1.2) — ignored
                            }
                        }
                        break;
                    }
            }
        }
        return rpc;
    }
}
