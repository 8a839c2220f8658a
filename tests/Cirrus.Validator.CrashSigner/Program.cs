using Cirrus.Ssz;
using Cirrus.Validator;
using Cirrus.Validator.SlashingProtection;

// usage: Cirrus.Validator.CrashSigner <db-path> <genesis-validators-root> <key-byte> <count>
// For i = 1..count: approves a block at slot i and an attestation i-1 -> i for the validator whose
// 48-byte key is <key-byte> repeated, printing "block <slot> <root>" / "attestation <s> <t> <root>"
// only after the database approved it (that is the moment a real client would sign).
if (args.Length != 4 || !byte.TryParse(args[2], out byte keyByte) || !int.TryParse(args[3], out int count))
{
    Console.Error.WriteLine("usage: Cirrus.Validator.CrashSigner <db-path> <genesis-validators-root> <key-byte> <count>");
    return 2;
}
try
{
    using var db = SlashingProtectionDb.Open(args[0], Bytes32.FromHex(args[1]));
    Bytes48 key = default;
    key.AsWritableSpan().Fill(keyByte);
    db.RegisterValidator(key);
    Console.Out.WriteLine("ready");
    Console.Out.Flush();
    for (int i = 1; i <= count; i++)
    {
        var blockRoot = RootOf(keyByte, i, 0);
        if (!db.CheckAndInsertBlockProposal(key, (ulong)i, blockRoot).IsAllowed) return Fail($"block {i} refused");
        Console.Out.WriteLine($"block {i} {blockRoot}");
        Console.Out.Flush();
        var attRoot = RootOf(keyByte, i, 1);
        if (!db.CheckAndInsertAttestation(key, (ulong)(i - 1), (ulong)i, attRoot).IsAllowed) return Fail($"attestation {i} refused");
        Console.Out.WriteLine($"attestation {i - 1} {i} {attRoot}");
        Console.Out.Flush();
    }
    Console.Out.WriteLine("done");
    return 0;
}
catch (ValidatorException e)
{
    return Fail(e.Message);
}

static int Fail(string message)
{
    Console.Error.WriteLine($"crash signer: {message}");
    return 1;
}

static Bytes32 RootOf(byte key, int i, byte kind)
{
    Bytes32 r = default;
    var s = r.AsWritableSpan();
    s[0] = key;
    s[1] = kind;
    System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(s[28..], i);
    return r;
}
