using System.Net;
using Cirrus.Networking.Discovery;

namespace Cirrus.Networking.Tests.Discovery;

public sealed class NodeKeyFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "cirrus-disc-" + Guid.NewGuid().ToString("N"));

    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    [Fact]
    public void Key_is_created_once_and_reloaded()
    {
        var path = Path.Combine(_dir, "data", NodeKeyFile.DefaultFileName);
        var a = NodeKeyFile.LoadOrCreate(path);
        var b = NodeKeyFile.LoadOrCreate(path);
        Assert.Equal(a.NodeId, b.NodeId);
        Assert.Equal(a.PeerId, b.PeerId); // the same file is the libp2p identity too
        Assert.Equal(64, File.ReadAllText(path).Trim().Length);
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("zz")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000")] // zero is no key
    [InlineData("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")] // above the group order
    public void Invalid_key_file_is_a_clear_error(string content)
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "bad-key");
        File.WriteAllText(path, content);
        Assert.Throws<InvalidDataException>(() => NodeKeyFile.LoadOrCreate(path));
    }

    [Fact]
    public void Local_enr_keeps_sequence_across_restarts_and_bumps_on_change()
    {
        var key = NodeKeyFile.LoadOrCreate(Path.Combine(_dir, "k"));
        var enrPath = Path.Combine(_dir, LocalEnrFile.DefaultFileName);
        void V1(EnrBuilder b) => b.SetIp(IPAddress.Loopback).SetUdp(9000).SetTcp(9000).SetEth2(new EnrForkId(0xe7a75d5a, 1, ulong.MaxValue));
        var first = LocalEnrFile.LoadOrBuild(enrPath, key, V1);
        Assert.Equal(1UL, first.Seq);
        var same = LocalEnrFile.LoadOrBuild(enrPath, key, V1);
        Assert.Equal(first.ToText(), same.ToText());
        var moved = LocalEnrFile.LoadOrBuild(enrPath, key, b => { V1(b); b.SetUdp(9001); });
        Assert.Equal(2UL, moved.Seq);
        Assert.Equal(9001, moved.Udp);
        Assert.Equal(moved.ToText(), File.ReadAllText(enrPath).Trim());
        // another key ignores the stored record
        var other = LocalEnrFile.LoadOrBuild(enrPath, Secp256k1Key.Generate(), V1);
        Assert.Equal(1UL, other.Seq);
    }

    [Fact]
    public async Task Service_reports_local_enr_changes_for_persistence()
    {
        await using var s = ServiceTests.NewNode();
        var path = Path.Combine(_dir, "enr");
        s.LocalEnrChanged += e => LocalEnrFile.Save(path, e);
        var updated = s.SetForkId(new EnrForkId(0x01020304, 2, 100));
        Assert.Equal(updated.ToText(), File.ReadAllText(path).Trim());
        Assert.Equal(0x01020304u, Enr.Parse(File.ReadAllText(path)).Eth2!.Value.ForkDigestValue);
    }
}
