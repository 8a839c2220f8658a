namespace Cirrus.Networking.Tests.Interop;

public class InteropSetupTests
{
    [Fact]
    public void MissingNodeModulesFailWithTheSetupScriptName()
    {
        var empty = Directory.CreateTempSubdirectory("cirrus-interop-").FullName;
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => JsPeer.NodePath(empty));
            Assert.Contains("scripts/setup-interop.sh", e.Message);
        }
        finally { Directory.Delete(empty, true); }
    }

    [Fact]
    public void InstalledInteropPackagesAreFound() => Assert.True(File.Exists(JsPeer.NodePath()));
}
