using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Cirrus.Crypto;

namespace Cirrus.Benchmarks;

/// <summary>
/// BLS operations (dotnet run -c Release --project bench/Cirrus.Benchmarks -- --filter '*Bls*').
/// The side-by-side comparison with native blst is scripts/bench-bls.sh.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class BlsBenchmarks
{
    private const int N = 128;
    private BlsSecretKey[] _sks = [];
    private BlsPublicKey[] _pks = [];
    private byte[][] _msgs = [];
    private BlsSignature[] _sigs = [];
    private BlsSignature _aggregate = null!;
    private byte[] _common = [];
    private byte[] _pkBytes = [], _sigBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _sks = new BlsSecretKey[N];
        _pks = new BlsPublicKey[N];
        _msgs = new byte[N][];
        _sigs = new BlsSignature[N];
        for (int i = 0; i < N; i++)
        {
            byte[] sk = SHA256.HashData(BitConverter.GetBytes(i));
            sk[0] &= 0x3f;
            _sks[i] = BlsSecretKey.FromBytes(sk);
            _pks[i] = _sks[i].PublicKey;
            _msgs[i] = SHA256.HashData(BitConverter.GetBytes(~i));
            _sigs[i] = _sks[i].Sign(_msgs[i]);
        }
        _common = SHA256.HashData("common"u8);
        var sigs = new BlsSignature[N];
        for (int i = 0; i < N; i++) sigs[i] = _sks[i].Sign(_common);
        _aggregate = BlsSignature.Aggregate(sigs);
        _pkBytes = _pks[0].ToBytes();
        _sigBytes = _sigs[0].ToBytes();
    }

    [Benchmark]
    public bool BlsVerify() => Bls.Verify(_pks[0], _msgs[0], _sigs[0]);

    [Benchmark]
    public BlsSignature BlsSign() => _sks[0].Sign(_msgs[0]);

    [Benchmark]
    public bool BlsFastAggregateVerify128() => Bls.FastAggregateVerify(_pks, _common, _aggregate);

    [Benchmark]
    public bool BlsBatch128()
    {
        var batch = new BlsBatchVerifier();
        for (int i = 0; i < N; i++) batch.Add(_pks[i], _msgs[i], _sigs[i]);
        return batch.Verify();
    }

    [Benchmark]
    public BlsPublicKey BlsDecodePublicKey() => BlsPublicKey.FromBytes(_pkBytes);

    [Benchmark]
    public BlsSignature BlsDecodeSignature() => BlsSignature.FromBytes(_sigBytes);
}
