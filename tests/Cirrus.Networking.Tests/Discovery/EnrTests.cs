using System.Net;
using Cirrus.Networking.Discovery;

namespace Cirrus.Networking.Tests.Discovery;

public class EnrTests
{
    private static byte[] H(string hex) => Convert.FromHexString(hex.StartsWith("0x") ? hex[2..] : hex);

    // EIP-778 example record.
    private const string Eip778Text = "enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl8";
    private const string Eip778Key = "b71c71a67e1177ad4e901695e1b4b9ee17ae16c6668d313eac2f96dbcda3f291";

    [Fact]
    public void Eip778_vector_decodes_and_verifies()
    {
        var enr = Enr.Parse(Eip778Text);
        Assert.Equal(1UL, enr.Seq);
        Assert.Equal("v4", enr.Id);
        Assert.Equal(IPAddress.Parse("127.0.0.1"), enr.Ip);
        Assert.Equal(30303, enr.Udp);
        Assert.Null(enr.Tcp);
        Assert.Equal("a448f24c6d18e575453db13171562b71999873db5b286df957af199ec94617f7", enr.NodeIdHex);
        Assert.Equal("03ca634cae0d49acb401d8a4c6b6fe8c55b70d115bf400769cc1400f3258cd3138", Convert.ToHexStringLower(enr.PublicKey));
        Assert.Equal(Eip778Text, enr.ToText());
    }

    [Fact]
    public void Eip778_vector_is_reproduced_by_signing()
    {
        var key = Secp256k1Key.FromBytes(H(Eip778Key));
        var enr = new EnrBuilder { Seq = 1 }.SetIp(IPAddress.Parse("127.0.0.1")).SetUdp(30303).Build(key);
        Assert.Equal(Eip778Text, enr.ToText());
    }

    [Fact]
    public void Tampered_record_fails_signature()
    {
        var raw = Enr.Parse(Eip778Text).ToBytes();
        raw[^1] ^= 1; // udp port changes
        var ex = Assert.Throws<EnrException>(() => Enr.Decode(raw));
        Assert.Contains("signature", ex.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("enr:")]
    [InlineData("enr:!!!!")]
    [InlineData("enx:-IS4QHCY")]
    [InlineData("enr:-IS4QHCYrYZbAKWCBRlAy5zzaDZXJBGkcnh4MHcBFZntXNFrdvJjX04jRzjzCBOonrkTfj499SZuOh8R33Ls8RRcy5wBgmlkgnY0gmlwhH8AAAGJc2VjcDI1NmsxoQPKY0yuDUmstAHYpMa2_oxVtw0RW_QAdpzBQA8yWM0xOIN1ZHCCdl")]
    [InlineData("enr:wA")]
    [InlineData("enr:wYA")]
    public void Bogus_text_throws_EnrException_only(string text)
    {
        Assert.Throws<EnrException>(() => Enr.Parse(text));
    }

    [Fact]
    public void Random_bytes_never_throw_anything_but_EnrException()
    {
        var rng = new Random(42);
        var valid = Enr.Parse(Eip778Text).ToBytes();
        for (int i = 0; i < 20000; i++)
        {
            byte[] b;
            if (i % 2 == 0) { b = new byte[rng.Next(0, 320)]; rng.NextBytes(b); }
            else
            {
                b = (byte[])valid.Clone();
                int flips = rng.Next(1, 4);
                for (int f = 0; f < flips; f++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                if (rng.Next(4) == 0) b = b[..rng.Next(b.Length)];
            }
            try { Enr.Decode(b); }
            catch (EnrException) { }
        }
    }

    [Fact]
    public void Oversized_record_rejected()
    {
        var key = Secp256k1Key.Generate();
        Assert.Throws<EnrException>(() => new EnrBuilder().Set("big", new byte[300]).Build(key));
        var huge = Rlp.EncodeList([Rlp.EncodeBytes(new byte[64]), Rlp.EncodeUInt(1), Rlp.EncodeString("x"), Rlp.EncodeBytes(new byte[400])]);
        Assert.Throws<EnrException>(() => Enr.Decode(huge));
    }

    [Fact]
    public void Unsorted_or_duplicate_keys_rejected()
    {
        var key = Secp256k1Key.Generate();
        // build manually: keys "udp" before "id" (unsorted), correctly signed
        var content = new List<byte[]> { Rlp.EncodeUInt(1), Rlp.EncodeString("udp"), Rlp.EncodeUInt(1), Rlp.EncodeString("id"), Rlp.EncodeString("v4"),
            Rlp.EncodeString("secp256k1"), Rlp.EncodeBytes(key.PublicKey) };
        var sig = key.SignHash(DiscoveryHash.Keccak256(Rlp.EncodeList(content)));
        content.Insert(0, Rlp.EncodeBytes(sig));
        Assert.Throws<EnrException>(() => Enr.Decode(Rlp.EncodeList(content)));
    }

    [Fact]
    public void Builder_bumps_sequence_and_roundtrips_eth2_fields()
    {
        var key = Secp256k1Key.Generate();
        var fork = new EnrForkId(0xe7a75d5a, 0xffffffff, ulong.MaxValue);
        var enr = new EnrBuilder().SetIp(IPAddress.Loopback).SetUdp(9000).SetTcp(9001).SetEth2(fork).SetAttnets(0x8000_0000_0000_0005UL).Build(key);
        var back = Enr.Parse(enr.ToText());
        Assert.Equal(fork, back.Eth2);
        Assert.True(back.HasAttnet(0));
        Assert.False(back.HasAttnet(1));
        Assert.True(back.HasAttnet(2));
        Assert.True(back.HasAttnet(63));
        Assert.Equal(9001, back.Tcp);
        // attnets SSZ layout: subnet 0 is bit 0 of byte 0, subnet 63 bit 7 of byte 7
        Assert.Equal("0500000000000080", Convert.ToHexStringLower(back.Get("attnets")!));
        var next = back.ToBuilder().SetAttnets(0).Build(key);
        Assert.Equal(back.Seq + 1, next.Seq);
        Assert.False(next.HasAttnet(0));
        Assert.Equal(enr.NodeIdHex, next.NodeIdHex);
    }

    [Fact]
    public void Eth2_match_needs_the_digest_and_the_subnet_bit()
    {
        var key = Secp256k1Key.Generate();
        var enr = new EnrBuilder().SetEth2(new EnrForkId(0xe7a75d5a, 1, ulong.MaxValue)).SetAttnets(1UL << 5).Build(key);
        Assert.True(Eth2Enr.Matches(enr, H("e7a75d5a")));
        Assert.True(Eth2Enr.Matches(enr, H("e7a75d5a"), 5));
        Assert.False(Eth2Enr.Matches(enr, H("e7a75d5a"), 6));
        Assert.False(Eth2Enr.Matches(enr, H("01020304")));
        Assert.False(Eth2Enr.Matches(new EnrBuilder().Build(key), H("e7a75d5a")));
    }

    [Fact]
    public void Peer_id_and_multiaddr()
    {
        // A known secp256k1 libp2p identity: peer id text starts with 16Uiu2 for identity-hashed secp256k1 keys.
        var key = Secp256k1Key.FromBytes(H(Eip778Key));
        var enr = new EnrBuilder().SetIp(IPAddress.Parse("10.0.0.1")).SetTcp(9000).SetUdp(9000).Build(key);
        var pid = enr.PeerId.ToByteArray();
        Assert.Equal(39, pid.Length);
        Assert.Equal("0025080212210", Convert.ToHexStringLower(pid)[..13]);
        Assert.StartsWith("16Uiu2", enr.PeerId.ToString());
        // One key, one identity: the libp2p host and the ENR it signs name the same peer.
        Assert.Equal(key.PeerId, enr.PeerId);
        Assert.Equal(key.PeerId, Enr.Parse(enr.ToText()).PeerId);
        Assert.Equal($"/ip4/10.0.0.1/tcp/9000/p2p/{enr.PeerId}", enr.TcpMultiaddr);
    }

    [Fact]
    public void Medalla_bootnodes_decode_verify_and_carry_medalla_fork_digest()
    {
        var lines = File.ReadAllLines(TestPaths.MedallaBootnodes())
            .Select(l => l.Trim()).Where(l => l.StartsWith("enr:")).ToList();
        Assert.True(lines.Count >= 20, $"only {lines.Count} ENRs in bootstrap_nodes.txt");
        // Medalla's fork digest: compute_fork_digest(0x00000001, genesis_validators_root 0x0470…a673).
        var digest = H("e7a75d5a");
        int medalla = 0;
        foreach (var line in lines)
        {
            var enr = Enr.Parse(line); // verifies the signature
            Assert.Equal("v4", enr.Id);
            Assert.NotNull(enr.Ip);
            Assert.NotNull(enr.Udp);
            Assert.Equal(line, enr.ToText());
            var eth2 = enr.Eth2;
            Assert.NotNull(eth2);
            if (eth2.Value.DigestEquals(digest))
            {
                medalla++;
                Assert.Equal(0x00000001u, eth2.Value.NextForkVersionValue);
                Assert.Equal(ulong.MaxValue, eth2.Value.NextForkEpoch);
            }
        }
        // The Lighthouse and Nimbus entries (and several others) are Medalla nodes; older entries
        // carry pre-launch fork digests of earlier Medalla rehearsals.
        Assert.True(medalla >= 15, $"only {medalla} bootnodes carry Medalla's fork digest");
    }

    [Fact]
    public void Bootnode_file_parser_reads_medalla_and_names_bad_lines()
    {
        var list = Bootnodes.ParseFile(TestPaths.MedallaBootnodes());
        Assert.True(list.Count >= 20);
        var ex = Assert.Throws<EnrException>(() => Bootnodes.Parse("# c\n\n" + Eip778Text + "\nenr:garbage\n"));
        Assert.StartsWith("line 4:", ex.Message);
        Assert.Single(Bootnodes.Parse("- \"" + Eip778Text + "\"\n"));
    }
}
