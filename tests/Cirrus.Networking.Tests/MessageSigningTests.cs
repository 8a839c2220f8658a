using System.Collections.Concurrent;
using Cirrus.Networking.Gossip;

namespace Cirrus.Networking.Tests;

/// <summary>The StrictSign policy (eth2 up to v0.12): authors sign, receivers check, and the two policies do not mix.</summary>
public class MessageSigningTests
{
    private const string Topic = "/eth2/00000000/beacon_block/ssz_snappy";

    [Fact]
    public void SignedMessagesVerifyAndTamperingIsCaught()
    {
        var key = Secp256k1Key.Generate();
        var m = new RpcMessage { Topic = Topic, Data = [1, 2, 3] };
        MessageSigning.Sign(m, key, 42);
        Assert.True(MessageSigning.Verify(m));
        Assert.Equal(key.PeerId.ToByteArray(), m.From);

        m.Data = [1, 2, 4];
        Assert.False(MessageSigning.Verify(m));
        m.Data = [1, 2, 3];
        m.Seqno![7] ^= 1;
        Assert.False(MessageSigning.Verify(m));
        m.Seqno[7] ^= 1;
        m.From = Secp256k1Key.Generate().PeerId.ToByteArray(); // claims another author
        Assert.False(MessageSigning.Verify(m));
        Assert.False(MessageSigning.Verify(new RpcMessage { Topic = Topic, Data = [1] })); // unsigned
    }

    [Fact]
    public void V012MessageIdIsUrlSafeBase64OfTheSha256OfTheData()
    {
        // SHA256("") = e3b0c442...; its URL-safe base64 without padding
        Assert.Equal("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", System.Text.Encoding.ASCII.GetString(MessageIds.Eth2V012(Topic, [])));
    }

    [Fact]
    public async Task StrictSignRoutersDeliverToEachOtherAndRejectUnsignedPeers()
    {
        var signed = new GossipsubOptions { SignaturePolicy = SignaturePolicy.StrictSign, MessageId = MessageIds.Eth2V012, HeartbeatInterval = TimeSpan.FromMilliseconds(100) };
        var plain = new GossipsubOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100) };
        await using var a = TestUtil.NewHost();
        await using var b = TestUtil.NewHost();
        await using var c = TestUtil.NewHost();
        await using var ga = new Gossipsub(a, signed);
        await using var gb = new Gossipsub(b, signed);
        await using var gc = new Gossipsub(c, plain);
        var gotB = new ConcurrentBag<GossipMessage>();
        var gotC = new ConcurrentBag<GossipMessage>();
        gb.MessageReceived += gotB.Add;
        gc.MessageReceived += gotC.Add;
        foreach (var g in new[] { ga, gb, gc }) g.Subscribe(Topic);
        await a.DialAsync(TestUtil.Addr(b)).WaitAsync(TestUtil.T);
        await a.DialAsync(TestUtil.Addr(c)).WaitAsync(TestUtil.T);
        await TestUtil.Until(() => ga.TopicPeers(Topic).Count == 2, "subscriptions to cross");
        Assert.True(ga.Publish(Topic, Snappier.Snappy.CompressToArray([9, 9, 9])) > 0);
        await TestUtil.Until(() => !gotB.IsEmpty, "the signed message at b");
        Assert.Equal(a.PeerId, gotB.Single().Source);
        // c runs StrictNoSign: a signed message is a violation there, never delivered
        await Task.Delay(500);
        Assert.Empty(gotC);
        Assert.True(gc.Score(a.PeerId) < 0);
    }
}
