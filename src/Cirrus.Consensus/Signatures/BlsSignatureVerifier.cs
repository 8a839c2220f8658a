using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Ssz;

namespace Cirrus.Consensus.Signatures;

/// <summary>
/// Decoded validator public keys by registry index, decoded on first use (decoding is the costly
/// part of using a key). Share one cache between the states of a chain; an entry is re-decoded if
/// the registry at that index holds a different key (a state from another chain).
/// </summary>
public sealed class ValidatorPubkeyCache
{
    private readonly object _lock = new();
    private BlsPublicKey?[] _keys = [];
    private Bytes48[] _bytes = [];
    private bool[] _invalid = [];

    /// <summary>The decoded key of validator <paramref name="index"/>, or null when its bytes are not a valid key.</summary>
    public BlsPublicKey? Get(IReadOnlyList<Validator> validators, ulong index)
    {
        if (index >= (ulong)validators.Count) return null;
        int i = (int)index;
        var pubkey = validators[i].Pubkey;
        lock (_lock)
        {
            if (i < _keys.Length && _bytes[i] == pubkey && (_keys[i] != null || _invalid[i])) return _keys[i];
        }
        BlsPublicKey.TryFromBytes(pubkey.AsSpan(), out var key);
        lock (_lock)
        {
            if (i >= _keys.Length)
            {
                int n = Math.Max(i + 1, Math.Max(validators.Count, _keys.Length * 2));
                Array.Resize(ref _keys, n);
                Array.Resize(ref _bytes, n);
                Array.Resize(ref _invalid, n);
            }
            _keys[i] = key;
            _bytes[i] = pubkey;
            _invalid[i] = key is null;
        }
        return key;
    }

    /// <summary>Installs an already decoded key (e.g. from a persisted cache, or one key shared by many validators).</summary>
    public void Set(int index, Bytes48 bytes, BlsPublicKey key)
    {
        lock (_lock)
        {
            if (index >= _keys.Length)
            {
                int n = Math.Max(index + 1, _keys.Length * 2);
                Array.Resize(ref _keys, n);
                Array.Resize(ref _bytes, n);
                Array.Resize(ref _invalid, n);
            }
            _keys[index] = key;
            _bytes[index] = bytes;
            _invalid[index] = false;
        }
    }

    /// <summary>
    /// Decodes every key of the registry up front (node start-up, benchmarks), in blocks that
    /// <see cref="BlsPublicKey.TryFromBytesMany"/> spreads over the cores and AVX-512 lanes.
    /// </summary>
    public void Warm(IReadOnlyList<Validator> validators)
    {
        const int Chunk = 4096;
        for (int start = 0; start < validators.Count; start += Chunk)
        {
            int n = Math.Min(Chunk, validators.Count - start);
            var indices = new int[n];
            for (int k = 0; k < n; k++) indices[k] = start + k;
            DecodeInto(validators, indices);
        }
    }

    /// <summary>Decodes, all at once, the keys of these validators that are not cached yet.</summary>
    public void Prefetch(IReadOnlyList<Validator> validators, IEnumerable<ulong> indices)
    {
        var missing = new List<int>();
        var seen = new HashSet<int>();
        lock (_lock)
        {
            foreach (ulong index in indices)
            {
                if (index >= (ulong)validators.Count) continue;
                int i = (int)index;
                if (i < _keys.Length && _bytes[i] == validators[i].Pubkey && (_keys[i] != null || _invalid[i])) continue;
                if (seen.Add(i)) missing.Add(i);
            }
        }
        if (missing.Count > 1) DecodeInto(validators, missing);
    }

    private void DecodeInto(IReadOnlyList<Validator> validators, IReadOnlyList<int> indices)
    {
        int n = indices.Count;
        var bytes = new Bytes48[n];
        var encodings = new byte[n][];
        for (int k = 0; k < n; k++)
        {
            bytes[k] = validators[indices[k]].Pubkey;
            encodings[k] = bytes[k].AsSpan().ToArray();
        }
        BlsPublicKey?[] keys = BlsPublicKey.TryFromBytesMany(encodings);
        lock (_lock)
        {
            int top = 0;
            foreach (int i in indices) top = Math.Max(top, i + 1);
            if (top > _keys.Length)
            {
                int size = Math.Max(top, Math.Max(validators.Count, _keys.Length * 2));
                Array.Resize(ref _keys, size);
                Array.Resize(ref _bytes, size);
                Array.Resize(ref _invalid, size);
            }
            for (int k = 0; k < n; k++)
            {
                int i = indices[k];
                _keys[i] = keys[k];
                _bytes[i] = bytes[k];
                _invalid[i] = keys[k] is null;
            }
        }
    }
}

/// <summary>BLS12-381 verification of the transition's signature sets, batched.</summary>
public sealed class BlsSignatureVerifier(ValidatorPubkeyCache? cache = null) : ISignatureVerifier
{
    public ValidatorPubkeyCache Cache { get; } = cache ?? new ValidatorPubkeyCache();

    public int VerifyBatch(IReadOnlyList<SignatureSet> sets, IReadOnlyList<Validator> validators)
    {
        var batch = new BlsBatchVerifier();
        var encodings = new byte[sets.Count][];
        for (int i = 0; i < sets.Count; i++) encodings[i] = sets[i].Signature.AsSpan().ToArray();
        BlsSignature?[] sigs = BlsSignature.TryFromBytesMany(encodings);
        Cache.Prefetch(validators, sets.SelectMany(s => s.ValidatorIndices ?? [s.ValidatorIndex]));
        for (int i = 0; i < sets.Count; i++)
        {
            var set = sets[i];
            if (sigs[i] is not { } sig) return i;
            if (set.ValidatorIndices is { } indices)
            {
                if (indices.Count == 0) return i;
                var keys = new BlsPublicKey[indices.Count];
                for (int k = 0; k < keys.Length; k++)
                {
                    var key = Cache.Get(validators, indices[k]);
                    if (key is null) return i;
                    keys[k] = key;
                }
                batch.AddFastAggregate(keys, set.SigningRoot.AsSpan(), sig);
            }
            else
            {
                var key = Cache.Get(validators, set.ValidatorIndex);
                if (key is null) return i;
                batch.Add(key, set.SigningRoot.AsSpan(), sig);
            }
        }
        if (batch.Verify()) return -1;
        return batch.FindFirstInvalid() ?? 0;
    }

    public bool Verify(Bytes48 pubkey, Bytes32 signingRoot, Bytes96 signature) =>
        Bls.Verify(pubkey.AsSpan(), signingRoot.AsSpan(), signature.AsSpan());
}
