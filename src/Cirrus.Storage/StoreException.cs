namespace Cirrus.Storage;

/// <summary>
/// The one exception type the store throws for anything that goes wrong below it: a locked or
/// unreadable database, an unknown schema version, a corrupt value, a native RocksDB error.
/// Raw native exceptions never escape <see cref="BeaconStore"/>.
/// </summary>
public sealed class StoreException : Exception
{
    public StoreException(string message) : base(message) { }
    public StoreException(string message, Exception inner) : base(message, inner) { }
}
