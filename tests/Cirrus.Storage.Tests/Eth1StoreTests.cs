using Cirrus.Storage.CrashWriter;

namespace Cirrus.Storage.Tests;

public sealed class Eth1StoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cirrus-eth1-store-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Eth1RecordsAndSnapshotSurviveReopenAndClear()
    {
        string db = Path.Combine(_dir, "db");
        using (var s = BeaconStore.Open(db, MinimalSchema.Schema))
        {
            Assert.Null(s.GetEth1Snapshot());
            Assert.Empty(s.GetEth1Deposits());
            s.PutEth1([(0, [1]), (1, [2])], [9]);
            s.PutEth1([(2, [3])], [10]);
            s.PutEth1([(4, [5])], [11]); // a gap: index 3 missing
        }
        using (var s = BeaconStore.Open(db, MinimalSchema.Schema))
        {
            Assert.Equal([11], s.GetEth1Snapshot());
            Assert.Equal(new byte[][] { [1], [2], [3] }, s.GetEth1Deposits().ToArray()); // stops at the gap
            s.ClearEth1();
            Assert.Null(s.GetEth1Snapshot());
            Assert.Empty(s.GetEth1Deposits());
        }
    }

    [Fact]
    public void AStoreWrittenBeforeTheEth1ColumnOpens()
    {
        string db = Path.Combine(_dir, "old");
        using (var s = BeaconStore.Open(db, MinimalSchema.Schema)) { }
        // Drop the eth1 column family, as a store from before it was added.
        using (var raw = RawDb.Open(db)) raw.DropColumnFamily("eth1");
        using (var s = BeaconStore.Open(db, MinimalSchema.Schema))
        {
            s.PutEth1([(0, [1])], [2]);
            Assert.Equal([2], s.GetEth1Snapshot());
        }
    }
}
