using System.Text;
using Cirrus.Ssz;
using Cirrus.Validator.SlashingProtection;

namespace Cirrus.Validator.Tests.SlashingProtection;

public sealed class SlashingProtectionDbTests : IDisposable
{
    private static readonly Bytes32 Gvr = Bytes32.FromHex("0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673");
    private static readonly Bytes48 Alice = Key(1);
    private static readonly Bytes48 Bob = Key(2);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => Path.Combine(_dir.Path, "sp.sqlite");

    private static Bytes48 Key(byte b)
    {
        Bytes48 k = default;
        k.AsWritableSpan().Fill(b);
        return k;
    }

    private static Bytes32 Root(int n)
    {
        Bytes32 r = default;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(r.AsWritableSpan()[28..], n);
        return r;
    }

    private SlashingProtectionDb OpenWithAlice()
    {
        var db = SlashingProtectionDb.Open(DbPath, Gvr);
        db.RegisterValidator(Alice);
        return db;
    }

    [Fact]
    public void DoubleProposalIsRefusedAndSameBlockMayBeSignedAgain()
    {
        using var db = OpenWithAlice();
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertBlockProposal(Alice, 10, Root(1)).Outcome);
        Assert.Equal(SigningOutcome.SameData, db.CheckAndInsertBlockProposal(Alice, 10, Root(1)).Outcome);
        var r = db.CheckAndInsertBlockProposal(Alice, 10, Root(2));
        Assert.Equal(SigningOutcome.DoubleProposal, r.Outcome);
        Assert.False(r.IsAllowed);
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertBlockProposal(Alice, 11, Root(2)).Outcome);
        // Below the lowest recorded slot: refused even though nothing was signed at slot 9.
        Assert.Equal(SigningOutcome.BelowLowWatermark, db.CheckAndInsertBlockProposal(Alice, 9, Root(3)).Outcome);
        // The refused proposals were not recorded.
        var exported = db.Export().Data.Single();
        Assert.Equal([10UL, 11UL], exported.SignedBlocks.Select(b => b.Slot));
        Assert.Equal(Root(1), exported.SignedBlocks[0].SigningRoot);
    }

    [Fact]
    public void AZeroSigningRootNeverCountsAsTheSameData()
    {
        using var db = OpenWithAlice();
        Assert.True(db.CheckAndInsertBlockProposal(Alice, 5, default).IsAllowed);
        Assert.Equal(SigningOutcome.DoubleProposal, db.CheckAndInsertBlockProposal(Alice, 5, default).Outcome);
        Assert.True(db.CheckAndInsertAttestation(Alice, 1, 2, default).IsAllowed);
        Assert.Equal(SigningOutcome.DoubleVote, db.CheckAndInsertAttestation(Alice, 1, 2, default).Outcome);
    }

    [Fact]
    public void DoubleVoteIsRefusedAndSameAttestationMayBeSignedAgain()
    {
        using var db = OpenWithAlice();
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertAttestation(Alice, 2, 3, Root(7)).Outcome);
        Assert.Equal(SigningOutcome.SameData, db.CheckAndInsertAttestation(Alice, 2, 3, Root(7)).Outcome);
        Assert.Equal(SigningOutcome.DoubleVote, db.CheckAndInsertAttestation(Alice, 2, 3, Root(8)).Outcome);
        Assert.Equal(SigningOutcome.DoubleVote, db.CheckAndInsertAttestation(Alice, 1, 3, Root(7)).Outcome);
    }

    [Fact]
    public void SurroundingAndSurroundedVotesAreRefused()
    {
        using var db = OpenWithAlice();
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertAttestation(Alice, 3, 4, Root(1)).Outcome);
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertAttestation(Alice, 10, 20, Root(2)).Outcome);
        Assert.Equal(SigningOutcome.SurroundingVote, db.CheckAndInsertAttestation(Alice, 4, 30, Root(3)).Outcome);
        Assert.Equal(SigningOutcome.SurroundingVote, db.CheckAndInsertAttestation(Alice, 9, 21, Root(3)).Outcome);
        Assert.Equal(SigningOutcome.SurroundedVote, db.CheckAndInsertAttestation(Alice, 11, 19, Root(4)).Outcome);
        Assert.Equal(SigningOutcome.SurroundedVote, db.CheckAndInsertAttestation(Alice, 12, 13, Root(4)).Outcome);
        // Sharing a source or a target edge is not a surround.
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertAttestation(Alice, 10, 21, Root(5)).Outcome);
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertAttestation(Alice, 21, 22, Root(6)).Outcome);
        Assert.Equal(4, db.Export().Data.Single().SignedAttestations.Count);
    }

    [Fact]
    public void SourceAboveTargetAndLowWatermarksAreRefused()
    {
        using var db = OpenWithAlice();
        Assert.Equal(SigningOutcome.SourceExceedsTarget, db.CheckAndInsertAttestation(Alice, 5, 4, Root(1)).Outcome);
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertAttestation(Alice, 5, 6, Root(1)).Outcome);
        Assert.Equal(SigningOutcome.BelowLowWatermark, db.CheckAndInsertAttestation(Alice, 4, 5, Root(2)).Outcome);
        Assert.Equal(SigningOutcome.BelowLowWatermark, db.CheckAndInsertAttestation(Alice, 5, 5, Root(3)).Outcome);
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertAttestation(Alice, 5, 7, Root(4)).Outcome);
    }

    [Fact]
    public void UnregisteredValidatorsAreRefused()
    {
        using var db = OpenWithAlice();
        Assert.False(db.IsRegistered(Bob));
        Assert.Equal(SigningOutcome.UnregisteredValidator, db.CheckAndInsertBlockProposal(Bob, 1, Root(1)).Outcome);
        Assert.Equal(SigningOutcome.UnregisteredValidator, db.CheckAndInsertAttestation(Bob, 1, 2, Root(1)).Outcome);
        db.RegisterValidators([Bob, Bob]);
        Assert.True(db.IsRegistered(Bob));
        Assert.Equal([Alice, Bob], db.RegisteredValidators());
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertBlockProposal(Bob, 1, Root(1)).Outcome);
        // Validators are independent.
        Assert.Equal(SigningOutcome.Safe, db.CheckAndInsertBlockProposal(Alice, 1, Root(2)).Outcome);
    }

    [Fact]
    public void RecordsSurviveReopening()
    {
        using (var db = OpenWithAlice())
        {
            Assert.True(db.CheckAndInsertBlockProposal(Alice, 7, Root(1)).IsAllowed);
            Assert.True(db.CheckAndInsertAttestation(Alice, 1, 2, Root(2)).IsAllowed);
        }
        using var again = SlashingProtectionDb.Open(DbPath, Gvr);
        Assert.True(again.IsRegistered(Alice));
        Assert.Equal(SigningOutcome.DoubleProposal, again.CheckAndInsertBlockProposal(Alice, 7, Root(3)).Outcome);
        Assert.Equal(SigningOutcome.SameData, again.CheckAndInsertAttestation(Alice, 1, 2, Root(2)).Outcome);
    }

    [Fact]
    public void ExportThenImportIntoAFreshDatabaseKeepsTheProtection()
    {
        byte[] json;
        using (var db = OpenWithAlice())
        {
            db.RegisterValidator(Bob);
            Assert.True(db.CheckAndInsertBlockProposal(Alice, 10, Root(1)).IsAllowed);
            Assert.True(db.CheckAndInsertBlockProposal(Alice, 12, Root(2)).IsAllowed);
            Assert.True(db.CheckAndInsertAttestation(Alice, 3, 4, Root(3)).IsAllowed);
            Assert.True(db.CheckAndInsertAttestation(Alice, 4, 9, Root(4)).IsAllowed);
            Assert.True(db.CheckAndInsertAttestation(Bob, 0, 1, Root(5)).IsAllowed);
            json = db.Export().ToJsonUtf8();
        }
        var parsed = Interchange.Parse(json);
        Assert.Equal(Gvr, parsed.GenesisValidatorsRoot);
        Assert.Equal(2, parsed.Data.Count);
        Assert.Equal([(10UL, (Bytes32?)Root(1)), (12UL, Root(2))], parsed.Data[0].SignedBlocks.Select(b => (b.Slot, b.SigningRoot)));
        Assert.Equal([(3UL, 4UL), (4UL, 9UL)], parsed.Data[0].SignedAttestations.Select(a => (a.SourceEpoch, a.TargetEpoch)));
        Assert.Contains("\"interchange_format_version\": \"5\"", Encoding.UTF8.GetString(json));
        Assert.Contains("\"slot\": \"12\"", Encoding.UTF8.GetString(json));

        using var fresh = SlashingProtectionDb.Open(Path.Combine(_dir.Path, "fresh.sqlite"), Gvr);
        var summary = fresh.ImportJson(json);
        Assert.Equal(new InterchangeImportSummary(2, 2, 2, 3), summary);
        Assert.Equal([Alice, Bob], fresh.RegisteredValidators());
        // Everything at or below the imported maxima is refused; above them is allowed.
        Assert.False(fresh.CheckAndInsertBlockProposal(Alice, 12, Root(2)).IsAllowed);
        Assert.False(fresh.CheckAndInsertBlockProposal(Alice, 11, Root(9)).IsAllowed);
        Assert.True(fresh.CheckAndInsertBlockProposal(Alice, 13, Root(9)).IsAllowed);
        Assert.Equal(SigningOutcome.DoubleVote, fresh.CheckAndInsertAttestation(Alice, 4, 9, Root(9)).Outcome);
        Assert.Equal(SigningOutcome.SurroundingVote, fresh.CheckAndInsertAttestation(Alice, 3, 10, Root(9)).Outcome);
        Assert.Equal(SigningOutcome.BelowLowWatermark, fresh.CheckAndInsertAttestation(Alice, 4, 8, Root(9)).Outcome);
        Assert.True(fresh.CheckAndInsertAttestation(Alice, 9, 10, Root(9)).IsAllowed);
        Assert.False(fresh.CheckAndInsertAttestation(Bob, 0, 1, Root(9)).IsAllowed);

        // Importing the same file again changes nothing that matters: still refused, still allowed above.
        fresh.ImportJson(json);
        Assert.False(fresh.CheckAndInsertBlockProposal(Alice, 12, Root(3)).IsAllowed);
        Assert.True(fresh.CheckAndInsertBlockProposal(Alice, 14, Root(3)).IsAllowed);
    }

    [Fact]
    public void ImportBelowLocalHistoryKeepsTheLocalTopRecordAndItsRoot()
    {
        using var db = OpenWithAlice();
        Assert.True(db.CheckAndInsertBlockProposal(Alice, 20, Root(1)).IsAllowed);
        Assert.True(db.CheckAndInsertAttestation(Alice, 5, 6, Root(2)).IsAllowed);
        var file = new Interchange(Gvr, [new InterchangeRecord(Alice, [new InterchangeBlock(15, null)], [new InterchangeAttestation(2, 3, null)])]);
        db.Import(file);
        Assert.Equal(SigningOutcome.SameData, db.CheckAndInsertBlockProposal(Alice, 20, Root(1)).Outcome);
        Assert.Equal(SigningOutcome.SameData, db.CheckAndInsertAttestation(Alice, 5, 6, Root(2)).Outcome);
        Assert.Equal(SigningOutcome.BelowLowWatermark, db.CheckAndInsertBlockProposal(Alice, 16, Root(3)).Outcome);
    }

    [Fact]
    public void WrongGenesisValidatorsRootIsRefusedOnImportAndOnOpen()
    {
        using (var db = OpenWithAlice())
        {
            Assert.True(db.CheckAndInsertBlockProposal(Alice, 1, Root(1)).IsAllowed);
            var other = Bytes32.FromHex("0x" + new string('1', 64));
            var file = new Interchange(other, [new InterchangeRecord(Bob, [new InterchangeBlock(100, null)], [])]);
            var e = Assert.Throws<ValidatorException>(() => db.Import(file));
            Assert.Contains("genesis_validators_root", e.Message);
            // Nothing of the refused file was applied.
            Assert.False(db.IsRegistered(Bob));
        }
        var e2 = Assert.Throws<ValidatorException>(() => SlashingProtectionDb.Open(DbPath, Bytes32.FromHex("0x" + new string('2', 64))));
        Assert.Contains("belongs to genesis_validators_root", e2.Message);
        using var existing = SlashingProtectionDb.OpenExisting(DbPath);
        Assert.Equal(Gvr, existing.GenesisValidatorsRoot);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{", "not valid JSON")]
    [InlineData("[]", "top level must be an object")]
    [InlineData("{\"data\": []}", "missing field metadata")]
    [InlineData("{\"metadata\": {\"interchange_format_version\": \"4\", \"genesis_validators_root\": \"0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673\"}, \"data\": []}", "unsupported interchange_format_version")]
    [InlineData("{\"metadata\": {\"interchange_format_version\": \"5\", \"genesis_validators_root\": \"0x1234\"}, \"data\": []}", "metadata.genesis_validators_root must be 0x followed by 64 hex digits")]
    [InlineData("{\"metadata\": {\"interchange_format_version\": \"5\", \"genesis_validators_root\": \"0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673\"}}", "missing field data")]
    [InlineData("{\"metadata\": {\"interchange_format_version\": \"5\", \"genesis_validators_root\": \"0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673\"}, \"data\": [{\"pubkey\": \"0xzz\", \"signed_blocks\": [], \"signed_attestations\": []}]}", "data[0].pubkey must be 0x followed by 96 hex digits")]
    [InlineData("{\"metadata\": {\"interchange_format_version\": \"5\", \"genesis_validators_root\": \"0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673\"}, \"data\": [{\"pubkey\": \"0x010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101\", \"signed_blocks\": [{\"slot\": \"-1\"}], \"signed_attestations\": []}]}", "data[0].signed_blocks[0].slot must be a decimal unsigned 64-bit integer")]
    [InlineData("{\"metadata\": {\"interchange_format_version\": \"5\", \"genesis_validators_root\": \"0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673\"}, \"data\": [{\"pubkey\": \"0x010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101\", \"signed_blocks\": [], \"signed_attestations\": [{\"source_epoch\": \"1\"}]}]}", "missing field data[0].signed_attestations[0].target_epoch")]
    [InlineData("{\"metadata\": {\"interchange_format_version\": \"5\", \"genesis_validators_root\": \"0x04700007fabc8282644aed6d1c7c9e21d38a03a0c4ba193f3afe428824b3a673\"}, \"data\": [{\"pubkey\": \"0x010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101010101\", \"signed_blocks\": {}, \"signed_attestations\": []}]}", "data[0].signed_blocks must be an array")]
    public void CorruptInterchangeJsonIsAClearValidatorException(string json, string expected)
    {
        using var db = OpenWithAlice();
        var e = Assert.Throws<ValidatorException>(() => db.ImportJson(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TruncatedExportIsRefusedWithoutPartialImport()
    {
        byte[] json;
        using (var db = OpenWithAlice())
        {
            Assert.True(db.CheckAndInsertBlockProposal(Alice, 10, Root(1)).IsAllowed);
            json = db.Export().ToJsonUtf8();
        }
        using var fresh = SlashingProtectionDb.Open(Path.Combine(_dir.Path, "fresh.sqlite"), Gvr);
        Assert.Throws<ValidatorException>(() => fresh.ImportJson(json.AsSpan(0, json.Length / 2)));
        Assert.Empty(fresh.RegisteredValidators());
    }

    [Fact]
    public void ASecondOpenerFailsClearlyWhileTheFirstHoldsTheDatabase()
    {
        using (var db = OpenWithAlice())
        {
            var e = Assert.Throws<ValidatorException>(() => SlashingProtectionDb.Open(DbPath, Gvr));
            Assert.Contains("in use by another process", e.Message);
            // The failed attempt must not have released the holder's lock.
            Assert.Throws<ValidatorException>(() => SlashingProtectionDb.OpenExisting(DbPath));
            Assert.True(db.CheckAndInsertBlockProposal(Alice, 1, Root(1)).IsAllowed);
        }
        using var again = SlashingProtectionDb.Open(DbPath, Gvr);
        Assert.True(again.IsRegistered(Alice));
    }

    [Fact]
    public void AFileThatIsNotADatabaseIsAClearError()
    {
        File.WriteAllText(DbPath, "this is not an SQLite database, not even close; it is long enough to have a header");
        var e = Assert.Throws<ValidatorException>(() => SlashingProtectionDb.Open(DbPath, Gvr));
        Assert.Contains(DbPath, e.Message);
        Assert.Throws<ValidatorException>(() => SlashingProtectionDb.OpenExisting(Path.Combine(_dir.Path, "missing.sqlite")));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "missing.sqlite")));
    }

    [Fact]
    public void AnEmptyOrTablelessFileIsRefusedNotReinitialised()
    {
        // A zero-length file (a truncated copy, a full disk) once became a fresh database: signing with no history.
        string path = Path.Combine(_dir.Path, "empty.sqlite");
        File.WriteAllBytes(path, []);
        var e = Assert.Throws<ValidatorException>(() => SlashingProtectionDb.Open(path, Gvr));
        Assert.Contains(path, e.Message);
        Assert.Equal(0, new FileInfo(path).Length);
        // A valid SQLite file without our schema is not ours either.
        string other = Path.Combine(_dir.Path, "other.sqlite");
        using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={other};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE t (a); DROP TABLE t;";
            cmd.ExecuteNonQuery();
        }
        Assert.Throws<ValidatorException>(() => SlashingProtectionDb.Open(other, Gvr));
        // Absent: created, and says so.
        using var db = SlashingProtectionDb.Open(Path.Combine(_dir.Path, "new.sqlite"), Gvr);
        Assert.True(db.Created);
    }

    [Fact]
    public void ADatabaseWithANewerSchemaIsRefusedNotMisread()
    {
        using (OpenWithAlice()) { }
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 2";
            cmd.ExecuteNonQuery();
        }
        var e = Assert.Throws<ValidatorException>(() => SlashingProtectionDb.Open(DbPath, Gvr));
        Assert.Contains("schema version 2", e.Message);
        // Refusing released the lock: a fixed file opens again.
        using (var raw = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 1";
            cmd.ExecuteNonQuery();
        }
        using var db = SlashingProtectionDb.Open(DbPath, Gvr);
        Assert.True(db.IsRegistered(Alice));
    }

    [Fact]
    public void ValuesAboveTheStorableRangeAreRefusedWithAValidatorException()
    {
        using var db = OpenWithAlice();
        Assert.Throws<ValidatorException>(() => db.CheckAndInsertBlockProposal(Alice, ulong.MaxValue, Root(1)));
        Assert.Throws<ValidatorException>(() => db.CheckAndInsertAttestation(Alice, 1, (ulong)long.MaxValue + 1, Root(1)));
        var file = new Interchange(Gvr, [new InterchangeRecord(Alice, [new InterchangeBlock(ulong.MaxValue, null)], [])]);
        Assert.Throws<ValidatorException>(() => db.Import(file));
        Assert.True(db.CheckAndInsertBlockProposal(Alice, long.MaxValue, Root(1)).IsAllowed);
    }

    [Fact]
    public void ConcurrentCallersNeverBothGetApprovalForConflictingMessages()
    {
        using var db = OpenWithAlice();
        Assert.True(db.CheckAndInsertBlockProposal(Alice, 999, Root(-1)).IsAllowed);
        const int Slots = 40;
        var approvals = new int[Slots];
        int refused = 0;
        // Four different roots per slot race each other from four threads; exactly one may win each slot.
        Parallel.For(0, 4 * Slots, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var r = db.CheckAndInsertBlockProposal(Alice, (ulong)(1000 + i % Slots), Root(i));
            if (r.Outcome == SigningOutcome.Safe) Interlocked.Increment(ref approvals[i % Slots]);
            else if (r.Outcome == SigningOutcome.DoubleProposal) Interlocked.Increment(ref refused);
        });
        Assert.All(approvals, a => Assert.Equal(1, a));
        Assert.Equal(3 * Slots, refused);
        Assert.Equal(Slots + 1, db.Export().Data.Single().SignedBlocks.Count);
    }
}
