using Cirrus.Storage.CrashWriter;

namespace Cirrus.Storage.Tests;

/// <summary>A damaged write-ahead log is never skipped silently: the store says what it recovered.</summary>
public sealed class WalRecoveryTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void AGarbledWalIsRecoveredToTheLastIntactWriteAndLogged()
    {
        string live = _dir.Sub("live"), crashed = _dir.Sub("crashed");
        ChainHead head;
        using (var store = BeaconStore.Open(live, TreeBuilder.Schema))
        {
            new SyntheticChain(TreeBuilder.Schema, 40, snapshotEvery: 8).Run(store);
            head = store.Head!.Value;
            // A copy taken while open is what a crash leaves: the newest writes only in the WAL (synced).
            Directory.CreateDirectory(crashed);
            foreach (string f in Directory.GetFiles(live))
                if (Path.GetFileName(f) != "LOCK") File.Copy(f, Path.Combine(crashed, Path.GetFileName(f)));
        }
        string wal = Directory.GetFiles(crashed, "*.log").Where(f => new FileInfo(f).Length > 4096)
            .OrderByDescending(f => Path.GetFileName(f), StringComparer.Ordinal).First();
        using (var fs = new FileStream(wal, FileMode.Open, FileAccess.ReadWrite))
        {
            // Garble bytes in the middle of the log: a record's checksum no longer matches.
            fs.Position = fs.Length / 2;
            fs.Write(Enumerable.Repeat((byte)0xA5, 64).ToArray());
        }
        var log = new List<string>();
        using var recovered = BeaconStore.Open(crashed, TreeBuilder.Schema, new StoreOptions { Log = log.Add });
        Assert.Contains(log, l => l.Contains("write-ahead log is damaged"));
        Assert.Contains(log, l => l.Contains("recovered: head slot"));
        // It rolled back: the log says so, and the store is consistent at the earlier point.
        Assert.True(recovered.Head!.Value.Slot <= head.Slot);
        Assert.Empty(recovered.CheckConsistency());
    }
}
