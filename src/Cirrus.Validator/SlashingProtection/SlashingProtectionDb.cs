using System.Data;
using Cirrus.Ssz;
using Microsoft.Data.Sqlite;

namespace Cirrus.Validator.SlashingProtection;

/// <summary>What an interchange import changed.</summary>
public readonly record struct InterchangeImportSummary(int Records, int NewValidators, int SignedBlocks, int SignedAttestations);

/// <summary>
/// The slashing-protection database: one SQLite file per validator client.
/// <para>
/// Guarantees: every check-and-insert call is one IMMEDIATE transaction, committed with the WAL
/// fsync'd (journal_mode=WAL, synchronous=FULL) before the call returns <see cref="SigningOutcome.Safe"/>,
/// so a caller that signs only after approval never signs something the database could forget.
/// Calls are serialized by a lock (thread-safe). One process at a time: opening takes an exclusive
/// lock on the sibling file <c>PATH.lock</c>, and a second opener (another process, or this one
/// again) fails at once with a <see cref="ValidatorException"/> instead of waiting.
/// </para>
/// <para>
/// Rules (EIP-3076, "minimal" strategy): a block is refused if another block exists for its slot,
/// or its slot is ≤ the lowest stored slot; an attestation is refused if source &gt; target, if
/// another attestation exists for its target, if it surrounds or is surrounded by a stored one, if
/// its source is below the lowest stored source or its target ≤ the lowest stored target. Re-signing
/// a stored message with the same non-zero signing root is allowed (<see cref="SigningOutcome.SameData"/>).
/// A zero signing root means "unknown" and never counts as the same data.
/// </para>
/// </summary>
public sealed class SlashingProtectionDb : IDisposable
{
    public const int SchemaVersion = 1;

    /// <summary>The database's file name inside a validator client's data directory.</summary>
    public const string DefaultFileName = "slashing_protection.sqlite";

    private const string GvrKey = "genesis_validators_root";

    private readonly SqliteConnection _conn;
    private readonly FileStream _lock;
    private readonly Lock _gate = new();
    private readonly Dictionary<Bytes48, long> _ids = [];
    private bool _disposed;

    public string Path { get; }

    /// <summary>The chain this database belongs to (checked on open and on import).</summary>
    public Bytes32 GenesisValidatorsRoot { get; }

    private SlashingProtectionDb(string path, FileStream lockFile, SqliteConnection conn, Bytes32 gvr)
    {
        Path = path;
        _lock = lockFile;
        _conn = conn;
        GenesisValidatorsRoot = gvr;
    }

    /// <summary>The database path inside a data directory.</summary>
    public static string PathIn(string dataDir) => System.IO.Path.Combine(dataDir, DefaultFileName);

    /// <summary>Opens the database at <paramref name="path"/>, creating it for this chain if missing; refuses one made for another chain.</summary>
    public static SlashingProtectionDb Open(string path, Bytes32 genesisValidatorsRoot) => OpenCore(path, genesisValidatorsRoot);

    /// <summary>Opens an existing database, whatever its chain (for export and tools).</summary>
    public static SlashingProtectionDb OpenExisting(string path)
    {
        if (!File.Exists(path)) throw new ValidatorException($"no slashing protection database at {path}");
        return OpenCore(path, null);
    }

    /// <summary>True when this open created the database (first run): there was no file before.</summary>
    public bool Created { get; private init; }

    private static SlashingProtectionDb OpenCore(string path, Bytes32? expectedGvr)
    {
        path = System.IO.Path.GetFullPath(path);
        bool existed = File.Exists(path);
        // SQLite would take an empty file for a new database and start without history: only an absent file may be created.
        if (existed && new FileInfo(path).Length == 0)
            throw new ValidatorException($"slashing protection database {path} is empty (0 bytes): refusing to start without its history (restore it from a backup or an interchange export)");
        FileStream lockFile;
        try
        {
            string? dir = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ValidatorException($"cannot open slashing protection database {path}: {e.Message}", e);
        }
        try
        {
            // On Unix .NET takes an advisory flock (per open file, so also between two opens in one
            // process) for FileShare.None: a second opener fails here instead of sharing the file.
            lockFile = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException and not PathTooLongException)
        {
            throw new ValidatorException($"slashing protection database {path} is in use by another process (its .lock file is held)", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ValidatorException($"cannot open slashing protection database {path}: {e.Message}", e);
        }

        SqliteConnection? conn = null;
        try
        {
            var cs = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
                ForeignKeys = true,
            };
            conn = new SqliteConnection(cs.ToString());
            conn.Open();
            string mode = (string)Scalar(conn, null, "PRAGMA journal_mode=WAL")!;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new ValidatorException($"cannot open slashing protection database {path}: WAL journal not available (got {mode})");
            Exec(conn, null, "PRAGMA synchronous=FULL");
            Exec(conn, null, "PRAGMA busy_timeout=5000");

            long version = (long)Scalar(conn, null, "PRAGMA user_version")!;
            Bytes32 gvr;
            if (version == 0)
            {
                long tables = (long)Scalar(conn, null, "SELECT count(*) FROM sqlite_master")!;
                if (tables != 0 || existed)
                    throw new ValidatorException($"{path} is not a slashing protection database (refusing to start without its history)");
                if (expectedGvr is null) throw new ValidatorException($"no slashing protection database at {path}");
                gvr = expectedGvr.Value;
                CreateSchema(conn, gvr);
            }
            else if (version > SchemaVersion)
            {
                throw new ValidatorException($"slashing protection database {path} has schema version {version}, newer than this client's {SchemaVersion}");
            }
            else
            {
                var stored = Scalar(conn, null, "SELECT value FROM meta WHERE key = $k", ("$k", GvrKey)) as byte[];
                if (stored is not { Length: 32 }) throw new ValidatorException($"slashing protection database {path} has no genesis_validators_root");
                gvr = Bytes32.FromSpan(stored);
                if (expectedGvr is { } want && want != gvr)
                    throw new ValidatorException($"slashing protection database {path} belongs to genesis_validators_root {gvr}, not {want}");
            }
            return new SlashingProtectionDb(path, lockFile, conn, gvr) { Created = !existed };
        }
        catch (Exception e)
        {
            conn?.Dispose();
            lockFile.Dispose();
            if (e is ValidatorException) throw;
            if (e is SqliteException or InvalidCastException or IOException)
                throw new ValidatorException($"cannot open slashing protection database {path}: {e.Message}", e);
            throw;
        }
    }

    private static void CreateSchema(SqliteConnection conn, Bytes32 gvr)
    {
        using var tx = conn.BeginTransaction(IsolationLevel.Serializable, deferred: false);
        Exec(conn, tx, """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
            CREATE TABLE validators (
                id INTEGER PRIMARY KEY,
                pubkey BLOB NOT NULL UNIQUE CHECK (length(pubkey) = 48));
            CREATE TABLE signed_blocks (
                validator_id INTEGER NOT NULL REFERENCES validators(id),
                slot INTEGER NOT NULL CHECK (slot >= 0),
                signing_root BLOB CHECK (signing_root IS NULL OR length(signing_root) = 32),
                PRIMARY KEY (validator_id, slot)) WITHOUT ROWID;
            CREATE TABLE signed_attestations (
                validator_id INTEGER NOT NULL REFERENCES validators(id),
                source_epoch INTEGER NOT NULL CHECK (source_epoch >= 0),
                target_epoch INTEGER NOT NULL CHECK (target_epoch >= 0),
                signing_root BLOB CHECK (signing_root IS NULL OR length(signing_root) = 32),
                PRIMARY KEY (validator_id, target_epoch)) WITHOUT ROWID;
            CREATE INDEX signed_attestations_by_source ON signed_attestations (validator_id, source_epoch);
            """);
        Exec(conn, tx, "INSERT INTO meta (key, value) VALUES ($k, $v)", ("$k", GvrKey), ("$v", gvr.AsSpan().ToArray()));
        Exec(conn, tx, $"PRAGMA user_version = {SchemaVersion}");
        tx.Commit();
    }

    /// <summary>Adds validators (idempotent). Checks for an unregistered key are refused.</summary>
    public void RegisterValidators(IEnumerable<Bytes48> pubkeys)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            Guard(() =>
            {
                using var tx = _conn.BeginTransaction(IsolationLevel.Serializable, deferred: false);
                foreach (var pk in pubkeys) EnsureValidator(tx, pk);
                tx.Commit();
                return 0;
            });
        }
    }

    public void RegisterValidator(Bytes48 pubkey) => RegisterValidators([pubkey]);

    public bool IsRegistered(Bytes48 pubkey)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard(() => ValidatorId(null, pubkey) is not null);
        }
    }

    /// <summary>The registered public keys, in registration order.</summary>
    public IReadOnlyList<Bytes48> RegisteredValidators()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard(() =>
            {
                var list = new List<Bytes48>();
                using var cmd = Command(null, "SELECT pubkey FROM validators ORDER BY id");
                using var r = cmd.ExecuteReader();
                while (r.Read()) list.Add(Bytes48.FromSpan((byte[])r[0]));
                return list;
            });
        }
    }

    /// <summary>
    /// Checks a block proposal and, when safe, records it durably before returning. Sign only if
    /// the result <see cref="SigningCheck.IsAllowed"/>.
    /// </summary>
    public SigningCheck CheckAndInsertBlockProposal(Bytes48 pubkey, ulong slot, Bytes32 signingRoot)
    {
        long s = ToDb(slot, "slot");
        return CheckRegistered(pubkey, (tx, v) =>
        {
            using (var cmd = Command(tx, "SELECT signing_root FROM signed_blocks WHERE validator_id = $v AND slot = $s", ("$v", v), ("$s", s)))
            using (var r = cmd.ExecuteReader())
            {
                if (r.Read())
                {
                    return SameRoot(r, 0, signingRoot)
                        ? SigningCheck.Same
                        : SigningCheck.Refuse(SigningOutcome.DoubleProposal, $"a different block was already signed at slot {slot}");
                }
            }
            if (Scalar(_conn, tx, "SELECT min(slot) FROM signed_blocks WHERE validator_id = $v", ("$v", v)) is long min && s <= min)
                return SigningCheck.Refuse(SigningOutcome.BelowLowWatermark, $"slot {slot} is not above the lowest recorded slot {min}");

            Exec(_conn, tx, "INSERT INTO signed_blocks (validator_id, slot, signing_root) VALUES ($v, $s, $r)",
                ("$v", v), ("$s", s), ("$r", RootToDb(signingRoot)));
            tx.Commit();
            return SigningCheck.Safe;
        });
    }

    /// <summary>
    /// Checks an attestation and, when safe, records it durably before returning. Sign only if
    /// the result <see cref="SigningCheck.IsAllowed"/>.
    /// </summary>
    public SigningCheck CheckAndInsertAttestation(Bytes48 pubkey, ulong sourceEpoch, ulong targetEpoch, Bytes32 signingRoot)
    {
        long src = ToDb(sourceEpoch, "source epoch");
        long tgt = ToDb(targetEpoch, "target epoch");
        return CheckRegistered(pubkey, (tx, v) =>
        {
            if (src > tgt)
                return SigningCheck.Refuse(SigningOutcome.SourceExceedsTarget, $"source epoch {sourceEpoch} is greater than target epoch {targetEpoch}");

            using (var cmd = Command(tx, "SELECT signing_root, source_epoch FROM signed_attestations WHERE validator_id = $v AND target_epoch = $t", ("$v", v), ("$t", tgt)))
            using (var r = cmd.ExecuteReader())
            {
                if (r.Read())
                {
                    // The root commits to the source already; comparing it too costs nothing.
                    return SameRoot(r, 0, signingRoot) && r.GetInt64(1) == src
                        ? SigningCheck.Same
                        : SigningCheck.Refuse(SigningOutcome.DoubleVote, $"a different attestation was already signed for target epoch {targetEpoch}");
                }
            }
            if (FindPair(tx, "source_epoch < $s AND target_epoch > $t ORDER BY target_epoch DESC", v, src, tgt) is { } outer)
                return SigningCheck.Refuse(SigningOutcome.SurroundedVote,
                    $"attestation {sourceEpoch}->{targetEpoch} is surrounded by the signed {outer.Source}->{outer.Target}");
            if (FindPair(tx, "source_epoch > $s AND target_epoch < $t ORDER BY target_epoch DESC", v, src, tgt) is { } inner)
                return SigningCheck.Refuse(SigningOutcome.SurroundingVote,
                    $"attestation {sourceEpoch}->{targetEpoch} surrounds the signed {inner.Source}->{inner.Target}");
            if (Scalar(_conn, tx, "SELECT min(source_epoch) FROM signed_attestations WHERE validator_id = $v", ("$v", v)) is long minSource && src < minSource)
                return SigningCheck.Refuse(SigningOutcome.BelowLowWatermark, $"source epoch {sourceEpoch} is below the lowest recorded source epoch {minSource}");
            if (Scalar(_conn, tx, "SELECT min(target_epoch) FROM signed_attestations WHERE validator_id = $v", ("$v", v)) is long minTarget && tgt <= minTarget)
                return SigningCheck.Refuse(SigningOutcome.BelowLowWatermark, $"target epoch {targetEpoch} is not above the lowest recorded target epoch {minTarget}");

            Exec(_conn, tx, "INSERT INTO signed_attestations (validator_id, source_epoch, target_epoch, signing_root) VALUES ($v, $s, $t, $r)",
                ("$v", v), ("$s", src), ("$t", tgt), ("$r", RootToDb(signingRoot)));
            tx.Commit();
            return SigningCheck.Safe;
        });
    }

    /// <summary>
    /// Runs <paramref name="check"/> for a registered validator inside one IMMEDIATE transaction (the
    /// write lock is taken before the reads, so two processes cannot both approve); the check commits
    /// what it approves before returning.
    /// </summary>
    private SigningCheck CheckRegistered(Bytes48 pubkey, Func<SqliteTransaction, long, SigningCheck> check)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard(() =>
            {
                using var tx = _conn.BeginTransaction(IsolationLevel.Serializable, deferred: false);
                return ValidatorId(tx, pubkey) is { } v
                    ? check(tx, v)
                    : SigningCheck.Refuse(SigningOutcome.UnregisteredValidator, $"validator {pubkey} is not registered");
            });
        }
    }

    /// <summary>Parses and imports an EIP-3076 interchange document (see <see cref="Import(Interchange)"/>).</summary>
    public InterchangeImportSummary ImportJson(ReadOnlySpan<byte> utf8Json) => Import(Interchange.Parse(utf8Json));

    /// <summary>
    /// Imports an interchange document in one transaction (all or nothing), merging it with what
    /// is stored. The file must be for this database's genesis_validators_root. Per validator the
    /// history is minified (EIP-3076 minimal strategy): the blocks become one record at the highest
    /// slot seen (stored or imported), the attestations one record at the highest source and the
    /// highest target seen, both without a signing root, so everything at or below them is refused
    /// afterwards. Slashable data inside the file therefore cannot weaken protection.
    /// </summary>
    public InterchangeImportSummary Import(Interchange interchange)
    {
        if (interchange.GenesisValidatorsRoot != GenesisValidatorsRoot)
            throw new ValidatorException(
                $"interchange genesis_validators_root {interchange.GenesisValidatorsRoot} does not match this database's {GenesisValidatorsRoot}");
        foreach (var rec in interchange.Data)
        {
            foreach (var b in rec.SignedBlocks) ToDb(b.Slot, "interchange slot");
            foreach (var a in rec.SignedAttestations) { ToDb(a.SourceEpoch, "interchange source epoch"); ToDb(a.TargetEpoch, "interchange target epoch"); }
        }
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard(() =>
            {
                int newValidators = 0, blocks = 0, atts = 0;
                using var tx = _conn.BeginTransaction(IsolationLevel.Serializable, deferred: false);
                foreach (var rec in interchange.Data)
                {
                    if (ValidatorId(tx, rec.Pubkey) is null) newValidators++;
                    long v = EnsureValidator(tx, rec.Pubkey);
                    if (rec.SignedBlocks.Count > 0)
                    {
                        blocks += rec.SignedBlocks.Count;
                        ulong max = 0;
                        foreach (var b in rec.SignedBlocks) max = Math.Max(max, b.Slot);
                        MergeBlocks(tx, v, (long)max);
                    }
                    if (rec.SignedAttestations.Count > 0)
                    {
                        atts += rec.SignedAttestations.Count;
                        ulong maxS = 0, maxT = 0;
                        foreach (var a in rec.SignedAttestations) { maxS = Math.Max(maxS, a.SourceEpoch); maxT = Math.Max(maxT, a.TargetEpoch); }
                        MergeAttestations(tx, v, (long)maxS, (long)maxT);
                    }
                }
                tx.Commit();
                return new InterchangeImportSummary(interchange.Data.Count, newValidators, blocks, atts);
            });
        }
    }

    private void MergeBlocks(SqliteTransaction tx, long v, long importMax)
    {
        long? storedMax = Scalar(_conn, tx, "SELECT max(slot) FROM signed_blocks WHERE validator_id = $v", ("$v", v)) as long?;
        if (storedMax is { } sm && sm > importMax)
        {
            // The stored highest block stays as it is (root included); everything below it goes.
            Exec(_conn, tx, "DELETE FROM signed_blocks WHERE validator_id = $v AND slot < $m", ("$v", v), ("$m", sm));
            return;
        }
        Exec(_conn, tx, "DELETE FROM signed_blocks WHERE validator_id = $v", ("$v", v));
        Exec(_conn, tx, "INSERT INTO signed_blocks (validator_id, slot, signing_root) VALUES ($v, $s, NULL)", ("$v", v), ("$s", importMax));
    }

    private void MergeAttestations(SqliteTransaction tx, long v, long importSource, long importTarget)
    {
        long? storedSource = Scalar(_conn, tx, "SELECT max(source_epoch) FROM signed_attestations WHERE validator_id = $v", ("$v", v)) as long?;
        long? storedTarget = Scalar(_conn, tx, "SELECT max(target_epoch) FROM signed_attestations WHERE validator_id = $v", ("$v", v)) as long?;
        long source = Math.Max(importSource, storedSource ?? 0);
        long target = Math.Max(importTarget, storedTarget ?? 0);
        // Keep the stored top record (with its root) when it already is exactly the merged watermark.
        if (storedTarget is { } st && st == target && target > importTarget
            && Scalar(_conn, tx, "SELECT source_epoch FROM signed_attestations WHERE validator_id = $v AND target_epoch = $t", ("$v", v), ("$t", st)) is long s0
            && s0 == source)
        {
            Exec(_conn, tx, "DELETE FROM signed_attestations WHERE validator_id = $v AND target_epoch < $t", ("$v", v), ("$t", st));
            return;
        }
        Exec(_conn, tx, "DELETE FROM signed_attestations WHERE validator_id = $v", ("$v", v));
        Exec(_conn, tx, "INSERT INTO signed_attestations (validator_id, source_epoch, target_epoch, signing_root) VALUES ($v, $s, $t, NULL)",
            ("$v", v), ("$s", source), ("$t", target));
    }

    /// <summary>
    /// Exports the complete stored history (every validator, or only <paramref name="pubkeys"/>) as
    /// an EIP-3076 interchange document.
    /// </summary>
    public Interchange Export(IEnumerable<Bytes48>? pubkeys = null)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard(() =>
            {
                HashSet<Bytes48>? only = pubkeys is null ? null : [.. pubkeys];
                var records = new List<InterchangeRecord>();
                using var tx = _conn.BeginTransaction(IsolationLevel.Serializable, deferred: true);
                var validators = new List<(long Id, Bytes48 Pk)>();
                using (var cmd = Command(tx, "SELECT id, pubkey FROM validators ORDER BY id"))
                using (var r = cmd.ExecuteReader())
                    while (r.Read())
                    {
                        var pk = Bytes48.FromSpan((byte[])r[1]);
                        if (only is null || only.Contains(pk)) validators.Add((r.GetInt64(0), pk));
                    }
                foreach (var (id, pk) in validators)
                {
                    var blocks = new List<InterchangeBlock>();
                    using (var cmd = Command(tx, "SELECT slot, signing_root FROM signed_blocks WHERE validator_id = $v ORDER BY slot", ("$v", id)))
                    using (var r = cmd.ExecuteReader())
                        while (r.Read()) blocks.Add(new InterchangeBlock((ulong)r.GetInt64(0), RootFromDb(r, 1)));
                    var atts = new List<InterchangeAttestation>();
                    using (var cmd = Command(tx, "SELECT source_epoch, target_epoch, signing_root FROM signed_attestations WHERE validator_id = $v ORDER BY target_epoch", ("$v", id)))
                    using (var r = cmd.ExecuteReader())
                        while (r.Read()) atts.Add(new InterchangeAttestation((ulong)r.GetInt64(0), (ulong)r.GetInt64(1), RootFromDb(r, 2)));
                    records.Add(new InterchangeRecord(pk, blocks, atts));
                }
                tx.Commit();
                return new Interchange(GenesisValidatorsRoot, records);
            });
        }
    }

    /// <summary>SQLite's own consistency check ("ok" when sound); for tools and tests.</summary>
    public string IntegrityCheck()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard(() => (string)Scalar(_conn, null, "PRAGMA integrity_check")!);
        }
    }

    /// <summary>The value of a read-only SQLite pragma (journal_mode, synchronous...), for tools and tests.</summary>
    internal string Pragma(string name)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z_]+$")) throw new ArgumentException("bad pragma name", nameof(name));
        lock (_gate)
        {
            ThrowIfDisposed();
            return Guard(() => Convert.ToString(Scalar(_conn, null, $"PRAGMA {name}"), System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _conn.Dispose();
            _lock.Dispose();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private T Guard<T>(Func<T> f)
    {
        try
        {
            return f();
        }
        catch (Exception e)
        {
            // A rolled-back transaction may have cached ids of validators it inserted.
            _ids.Clear();
            if (e is SqliteException) throw new ValidatorException($"slashing protection database {Path}: {e.Message}", e);
            throw;
        }
    }

    private long? ValidatorId(SqliteTransaction? tx, Bytes48 pubkey)
    {
        if (_ids.TryGetValue(pubkey, out long id)) return id;
        if (Scalar(_conn, tx, "SELECT id FROM validators WHERE pubkey = $p", ("$p", pubkey.AsSpan().ToArray())) is not long found) return null;
        _ids[pubkey] = found;
        return found;
    }

    private long EnsureValidator(SqliteTransaction tx, Bytes48 pubkey)
    {
        if (ValidatorId(tx, pubkey) is { } id) return id;
        long created = (long)Scalar(_conn, tx, "INSERT INTO validators (pubkey) VALUES ($p) RETURNING id", ("$p", pubkey.AsSpan().ToArray()))!;
        _ids[pubkey] = created;
        return created;
    }

    private (long Source, long Target)? FindPair(SqliteTransaction tx, string where, long v, long s, long t)
    {
        using var cmd = Command(tx, $"SELECT source_epoch, target_epoch FROM signed_attestations WHERE validator_id = $v AND {where} LIMIT 1",
            ("$v", v), ("$s", s), ("$t", t));
        using var r = cmd.ExecuteReader();
        return r.Read() ? (r.GetInt64(0), r.GetInt64(1)) : null;
    }

    private static bool SameRoot(SqliteDataReader r, int col, Bytes32 signingRoot) =>
        !r.IsDBNull(col) && !signingRoot.IsZero && ((byte[])r[col]).AsSpan().SequenceEqual(signingRoot.AsSpan());

    private static object RootToDb(Bytes32 root) => root.IsZero ? DBNull.Value : root.AsSpan().ToArray();

    private static Bytes32? RootFromDb(SqliteDataReader r, int col) => r.IsDBNull(col) ? null : Bytes32.FromSpan((byte[])r[col]);

    private static long ToDb(ulong value, string what) =>
        value <= long.MaxValue ? (long)value : throw new ValidatorException($"{what} {value} is out of range (above 2^63-1)");

    private SqliteCommand Command(SqliteTransaction? tx, string sql, params (string Name, object Value)[] args) => Command(_conn, tx, sql, args);

    private static SqliteCommand Command(SqliteConnection conn, SqliteTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        return cmd;
    }

    private static object? Scalar(SqliteConnection conn, SqliteTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        using var cmd = Command(conn, tx, sql, args);
        object? o = cmd.ExecuteScalar();
        return o is DBNull ? null : o;
    }

    private static void Exec(SqliteConnection conn, SqliteTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        using var cmd = Command(conn, tx, sql, args);
        cmd.ExecuteNonQuery();
    }
}
