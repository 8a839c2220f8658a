using System.Buffers.Binary;
using System.Security.Cryptography;
using Cirrus.Api.Types;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;
using Cirrus.Validator.Client;

namespace Cirrus.ValidatorClient.Tests;

public class SlotClockTests
{
    [Fact]
    public void DutyTimesAreThirdsOfTheSlot()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1000);
        var clock = new SlotClock(1000, 12, 32, () => now);
        Assert.Equal(0UL, clock.CurrentSlot());
        Assert.Equal(1_000_000 + 12_000 * 5, clock.SlotStartMs(5));
        Assert.Equal(clock.SlotStartMs(5) + 4_000, clock.AttestationDeadlineMs(5));
        Assert.Equal(clock.SlotStartMs(5) + 8_000, clock.AggregationTimeMs(5));
        now = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000 + 12_000 * 64 - 1);
        Assert.Equal(63UL, clock.CurrentSlot());
        Assert.Equal(1UL, clock.EpochOf(63));
        Assert.Equal(2UL, clock.EpochOf(64));
        now = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000 + 12_000 * 64);
        Assert.Equal(64UL, clock.CurrentSlot());
        Assert.Equal(TimeSpan.FromSeconds(4), clock.Until(clock.AttestationDeadlineMs(64)));
        Assert.Equal(TimeSpan.Zero, clock.Until(clock.SlotStartMs(3)));
    }

    [Fact]
    public void BeforeGenesisThereIsNoSlot()
    {
        var clock = new SlotClock(1000, 2, 8, () => DateTimeOffset.FromUnixTimeMilliseconds(999_999));
        Assert.Null(clock.CurrentSlot());
        // Short slots: thirds are rounded down to whole milliseconds.
        Assert.Equal(1_000_000 + 666, clock.AttestationDeadlineMs(0));
        Assert.Equal(1_000_000 + 1333, clock.AggregationTimeMs(0));
    }
}

public class DutySigningTests
{
    private static readonly ChainConfig C = ChainConfig.Minimal;
    private static readonly Bytes32 Gvr = Bytes32.FromHex("0x83431ec7fcf92cfc44947fc0418e831c25e1d0806590231c439830db7ad54fda");

    private static byte[] Sha(params byte[][] parts) => SHA256.HashData(parts.SelectMany(p => p).ToArray());

    /// <summary>compute_domain and compute_signing_root written out with SHA-256 alone.</summary>
    private static byte[] Domain(Bytes4 type, Bytes4 version)
    {
        var v = new byte[32];
        version.AsSpan().CopyTo(v);
        byte[] forkDataRoot = Sha(v, Gvr.AsSpan().ToArray());
        return type.AsSpan().ToArray().Concat(forkDataRoot.Take(28)).ToArray();
    }

    private static byte[] Epoch(ulong e)
    {
        var b = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(b, e);
        return b;
    }

    private static readonly Fork TheFork = new()
    {
        PreviousVersion = Bytes4.FromHex("0x00000001"), CurrentVersion = Bytes4.FromHex("0x01000001"), Epoch = 10,
    };

    [Fact]
    public void RandaoAndSelectionProofRootsFollowTheSpec()
    {
        var s = new DutySigning(C, Gvr, TheFork);
        // Before the fork epoch the previous version signs, from it on the current one.
        Assert.Equal(Sha(Epoch(9), Domain(C.DomainRandao, TheFork.PreviousVersion)), s.RandaoRoot(9).AsSpan().ToArray());
        Assert.Equal(Sha(Epoch(10), Domain(C.DomainRandao, TheFork.CurrentVersion)), s.RandaoRoot(10).AsSpan().ToArray());
        ulong slot = 10 * C.SlotsPerEpoch - 1;
        Assert.Equal(Sha(Epoch(slot), Domain(C.DomainSelectionProof, TheFork.PreviousVersion)), s.SelectionProofRoot(slot).AsSpan().ToArray());
        Assert.Equal(Sha(Epoch(slot + 1), Domain(C.DomainSelectionProof, TheFork.CurrentVersion)), s.SelectionProofRoot(slot + 1).AsSpan().ToArray());
    }

    [Fact]
    public void MessageRootsUseTheirOwnDomainsAndEpochs()
    {
        var s = new DutySigning(C, Gvr, TheFork);
        var data = new AttestationData
        {
            Slot = 10 * C.SlotsPerEpoch - 1, Index = 1, BeaconBlockRoot = Bytes32.FromSpan(Enumerable.Repeat((byte)7, 32).ToArray()),
            Source = new Checkpoint { Epoch = 8 }, Target = new Checkpoint { Epoch = 10 },
        };
        // The target epoch picks the version, not the slot.
        Assert.Equal(Sha(C.Schema.HashTreeRoot(data).AsSpan().ToArray(), Domain(C.DomainBeaconAttester, TheFork.CurrentVersion)),
            s.AttestationRoot(data).AsSpan().ToArray());
        var block = new BeaconBlock { Slot = 10 * C.SlotsPerEpoch - 1, ProposerIndex = 3 };
        Assert.Equal(Sha(C.Schema.HashTreeRoot(block).AsSpan().ToArray(), Domain(C.DomainBeaconProposer, TheFork.PreviousVersion)),
            s.BlockRoot(block).AsSpan().ToArray());
        var agg = new AggregateAndProof { AggregatorIndex = 5, Aggregate = new Attestation { AggregationBits = new Bitlist(4), Data = data } };
        Assert.Equal(Sha(C.Schema.HashTreeRoot(agg).AsSpan().ToArray(), Domain(C.DomainAggregateAndProof, TheFork.PreviousVersion)),
            s.AggregateAndProofRoot(agg).AsSpan().ToArray());
    }

    [Fact]
    public void SignaturesVerifyUnderTheKey()
    {
        using var key = InteropGenesis.SecretKey(0);
        var s = new DutySigning(C, Gvr, TheFork);
        var root = s.RandaoRoot(3);
        var sig = DutySigning.Sign(key, root);
        Assert.True(Bls.Verify(key.PublicKey, root.AsSpan(), BlsSignature.FromBytes(sig.AsSpan())));
        Assert.False(Bls.Verify(key.PublicKey, s.RandaoRoot(4).AsSpan(), BlsSignature.FromBytes(sig.AsSpan())));
    }

    [Fact]
    public void AggregatorSelectionIsTheSpecRule()
    {
        // Mainnet sizes: a committee of 128 has 128/16 = 8 as modulo; small committees always aggregate.
        var c = ChainConfig.Mainnet;
        using var key = InteropGenesis.SecretKey(1);
        var s = new DutySigning(c, Gvr, new Fork { PreviousVersion = c.GenesisForkVersion, CurrentVersion = c.GenesisForkVersion });
        int selected = 0;
        for (ulong slot = 0; slot < 64; slot++)
        {
            var proof = DutySigning.Sign(key, s.SelectionProofRoot(slot));
            ulong h = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(proof.AsSpan()));
            bool expected = h % 8 == 0;
            Assert.Equal(expected, ValidatorHelpers.IsAggregator(c, 128, proof));
            Assert.True(ValidatorHelpers.IsAggregator(c, 15, proof));
            if (expected) selected++;
        }
        // About one in eight: a fixed key and slots make this deterministic.
        Assert.InRange(selected, 1, 20);
    }
}

public class ClientCheckTests
{
    [Fact]
    public void GraffitiIsPaddedAndBounded()
    {
        var g = ValidatorClientOptions.GraffitiFromText("hi");
        Assert.Equal((byte)'h', g.AsSpan()[0]);
        Assert.Equal(0, g.AsSpan()[2]);
        Assert.Throws<Cirrus.Validator.ValidatorException>(() => ValidatorClientOptions.GraffitiFromText(new string('x', 33)));
    }

    [Fact]
    public void NodeOnAnotherNetworkIsRefused()
    {
        var c = ChainConfig.Minimal;
        using var key = InteropGenesis.SecretKey(0);
        using var client = new Validator.Client.ValidatorClient(new ValidatorClientOptions
        {
            Config = c, BeaconNodes = [new Uri("http://127.0.0.1:1/")], DataDir = "/nonexistent",
            Keys = [new Validator.Keys.ValidatorKey(InteropGenesis.SecretKey(0))],
        });
        var genesis = new GenesisData { GenesisForkVersion = c.GenesisForkVersion };
        var spec = new Dictionary<string, string> { ["SECONDS_PER_SLOT"] = c.SecondsPerSlot.ToString(), ["SLOTS_PER_EPOCH"] = c.SlotsPerEpoch.ToString() };
        client.CheckNetwork(genesis, spec);
        var e = Assert.Throws<Cirrus.Validator.ValidatorException>(() =>
            client.CheckNetwork(genesis, new Dictionary<string, string>(spec) { ["SECONDS_PER_SLOT"] = "12" }));
        Assert.Contains("SECONDS_PER_SLOT is 12", e.Message);
        e = Assert.Throws<Cirrus.Validator.ValidatorException>(() =>
            client.CheckNetwork(new GenesisData { GenesisForkVersion = Bytes4.FromHex("0x00000099") }, spec));
        Assert.Contains("genesis fork version", e.Message);
        Assert.Throws<Cirrus.Validator.ValidatorException>(() => client.CheckNetwork(genesis, new Dictionary<string, string>()));
    }

    [Fact]
    public void NoKeysIsAClearError()
    {
        var e = Assert.Throws<Cirrus.Validator.ValidatorException>(() => new Validator.Client.ValidatorClient(new ValidatorClientOptions
        {
            Config = ChainConfig.Minimal, BeaconNodes = [new Uri("http://127.0.0.1:1/")], DataDir = "/x", Keys = [],
        }));
        Assert.Contains("no validator keys", e.Message);
    }

    [Fact]
    public void EventsParse()
    {
        Assert.Equal(new NodeEvent("head", 12), EventStream.Parse("head", "{\"slot\":\"12\",\"block\":\"0x00\"}"));
        Assert.Null(EventStream.Parse("head", "{\"slot\":\"x\"}"));
        Assert.Null(EventStream.Parse("head", "not json"));
        Assert.Null(EventStream.Parse("head", "[1]"));
        string r1 = "0x" + new string('1', 64), r2 = "0x" + new string('2', 64);
        var e = EventStream.Parse("head", $"{{\"slot\":\"9\",\"previous_duty_dependent_root\":\"{r1}\",\"current_duty_dependent_root\":\"{r2}\"}}");
        Assert.Equal(new NodeEvent("head", 9, Bytes32.FromHex(r1), Bytes32.FromHex(r2)), e);
        // a malformed root is as if absent
        Assert.Equal(new NodeEvent("head", 9), EventStream.Parse("head", "{\"slot\":\"9\",\"current_duty_dependent_root\":\"0x12\"}"));
    }

    [Fact]
    public void EventTopicsAreAskedForAsRepeatedParameters() =>
        Assert.Equal("?topics=head&topics=block&topics=chain_reorg", Cirrus.Api.Types.BeaconApiClient.Repeated("topics", EventStream.Topics));
}

public class MetricsTests
{
    [Fact]
    public async Task CountersAreServedOnLoopback()
    {
        var m = new ValidatorMetrics();
        m.Performed(DutyKind.Attestation, 3);
        m.Missed(DutyKind.Proposal);
        m.Refused(DutyKind.Attestation);
        m.RequestFailed("http://127.0.0.1:1/");
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        using (m.Serve(port))
        {
            using var http = new HttpClient();
            string text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            Assert.Contains("cirrus_vc_duties_performed_total{kind=\"attestation\"} 3", text);
            Assert.Contains("cirrus_vc_duties_missed_total{kind=\"proposal\"} 1", text);
            Assert.Contains("cirrus_vc_slashing_protection_refusals_total{kind=\"attestation\"} 1", text);
            Assert.Contains("cirrus_vc_beacon_node_request_failures_total{node=\"http://127.0.0.1:1/\"} 1", text);
        }
        Assert.Equal(3, m.PerformedCount(DutyKind.Attestation));
        Assert.Equal(1, m.RefusalCount());
    }
}
