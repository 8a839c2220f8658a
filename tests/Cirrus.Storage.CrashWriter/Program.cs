using Cirrus.Storage;
using Cirrus.Storage.CrashWriter;

// usage: Cirrus.Storage.CrashWriter <db-dir> <slots> [snapshot-every]
// Prints "ready <head-slot>" once the store is open, then waits for a line on standard input (so the
// parent can check the lock before any import), prints "imported <slot>" after each main-chain block
// and "done <head-slot>" when the chain is complete.
if (args.Length < 2 || !ulong.TryParse(args[1], out var slots))
{
    Console.Error.WriteLine("usage: Cirrus.Storage.CrashWriter <db-dir> <slots> [snapshot-every]");
    return 2;
}
ulong every = args.Length > 2 && ulong.TryParse(args[2], out var e) ? e : 16;
try
{
    using var store = BeaconStore.Open(args[0], MinimalSchema.Schema);
    var chain = new SyntheticChain(MinimalSchema.Schema, slots, every);
    Console.Out.WriteLine($"ready {store.Head?.Slot ?? 0}");
    Console.Out.Flush();
    Console.In.ReadLine();
    chain.Run(store, s => Console.Out.WriteLine($"imported {s}"));
    Console.Out.WriteLine($"done {store.Head!.Value.Slot}");
    return 0;
}
catch (StoreException ex)
{
    Console.Error.WriteLine($"store error: {ex.Message}");
    return 1;
}
