#:project ../../src/Cirrus.Crypto/Cirrus.Crypto.csproj
#:property Optimize=true
#:property TreatWarningsAsErrors=true
#:property Nullable=enable
#:property AllowUnsafeBlocks=true
#:property PublishAot=false
#:property InvariantGlobalization=true
#:property TieredCompilation=false

// Our side of scripts/bench-bls.sh: the same inputs as bench.js, the same median-of-samples loop.
// Prints one JSON object: { op: median milliseconds }.
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Cirrus.Crypto;
using Cirrus.Crypto.Bls12381;

const int N = 128;
int budget = int.TryParse(Environment.GetEnvironmentVariable("BENCH_BUDGET_MS"), out int b) ? b : 1500;

static byte[] Sha(string label, int i)
{
    byte[] l = Encoding.ASCII.GetBytes(label);
    byte[] buf = new byte[l.Length + 4];
    l.CopyTo(buf, 0);
    BitConverter.TryWriteBytes(buf.AsSpan(l.Length), (uint)i);
    return SHA256.HashData(buf);
}
static byte[] SecretKeyBytes(int i) { byte[] s = Sha("cirrus-bls-bench-sk", i); s[0] &= 0x3f; if (s[0] == 0) s[0] = 1; return s; }
static byte[] Message(int i) => Sha("cirrus-bls-bench-msg", i);

static double Median(List<double> xs) { xs.Sort(); int m = xs.Count / 2; return xs.Count % 2 == 1 ? xs[m] : (xs[m - 1] + xs[m]) / 2; }
// Tiered compilation is off (see the properties above): every method is compiled fully optimized
// on first use, so the samples never time tier-0 code.
// Returns (median wall-clock ms of one call, mean process CPU ms per call over the same samples).
static (double Wall, double Cpu) Time(Action fn, int budgetMs, int minSamples, int maxSamples, int warmup = 5)
{
    for (int i = 0; i < warmup; i++) fn();
    var samples = new List<double>();
    var proc = Process.GetCurrentProcess();
    proc.Refresh();
    TimeSpan cpu0 = proc.TotalProcessorTime;
    var total = Stopwatch.StartNew();
    while (samples.Count < maxSamples)
    {
        long t0 = Stopwatch.GetTimestamp();
        fn();
        long t1 = Stopwatch.GetTimestamp();
        samples.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency);
        if (samples.Count >= minSamples && total.ElapsedMilliseconds > budgetMs) break;
    }
    proc.Refresh();
    double cpu = (proc.TotalProcessorTime - cpu0).TotalMilliseconds / samples.Count;
    return (Median(samples), cpu);
}

var sks = new BlsSecretKey[N];
var pks = new BlsPublicKey[N];
var msgs = new byte[N][];
var sigs = new BlsSignature[N];
for (int i = 0; i < N; i++)
{
    sks[i] = BlsSecretKey.FromBytes(SecretKeyBytes(i));
    pks[i] = sks[i].PublicKey;
    msgs[i] = Message(i);
    sigs[i] = sks[i].Sign(msgs[i]);
}
byte[] common = Message(1000);
var commonSigs = new BlsSignature[N];
for (int i = 0; i < N; i++) commonSigs[i] = sks[i].Sign(common);
BlsSignature aggSig = BlsSignature.Aggregate(commonSigs);
byte[] pkBytes = pks[0].ToBytes(), sigBytes = sigs[0].ToBytes();

if (!Bls.Verify(pks[0], msgs[0], sigs[0])) throw new Exception("verify failed");
if (!Bls.FastAggregateVerify(pks, common, aggSig)) throw new Exception("fav failed");
BlsBatchVerifier MakeBatch(int cores)
{
    var bv = new BlsBatchVerifier { MaxDegreeOfParallelism = cores };
    for (int i = 0; i < N; i++) bv.Add(pks[i], msgs[i], sigs[i]);
    return bv;
}
if (!MakeBatch(Environment.ProcessorCount).Verify()) throw new Exception("batch failed");

Jacobian<Fp2> h = HashToCurve.HashToG2(msgs[0], Bls.Dst);
h.ToAffine(out Fp2 hx, out Fp2 hy);
pks[0].Point.ToAffine(out Fp px, out Fp py);
var pa = new G1Affine(px, py);
var qa = new G2Affine(hx, hy);

var r = new Dictionary<string, object>();
(r["verify"], r["verify_cpu"]) = Time(() => Bls.Verify(pks[0], msgs[0], sigs[0]), budget, 9, 2000);
(r["sign"], r["sign_cpu"]) = Time(() => sks[0].Sign(msgs[0]), budget, 9, 2000);
(r["hashToG2"], r["hashToG2_cpu"]) = Time(() => HashToCurve.HashToG2(msgs[0], Bls.Dst), budget, 9, 2000);
(r["pairing"], r["pairing_cpu"]) = Time(() => Pairing.Pair(pa, qa), budget, 9, 2000);
(r["fav128"], r["fav128_cpu"]) = Time(() => Bls.FastAggregateVerify(pks, common, aggSig), budget, 9, 2000);
(r["batch128"], r["batch128_cpu"]) = Time(() => MakeBatch(Environment.ProcessorCount).Verify(), budget * 2, 9, 200, 3);
(r["batch128_1core"], r["batch128_1core_cpu"]) = Time(() => MakeBatch(1).Verify(), budget * 2, 9, 200, 3);
(r["decodePk"], r["decodePk_cpu"]) = Time(() => BlsPublicKey.FromBytes(pkBytes), budget / 2, 9, 5000);
(r["decodeSig"], r["decodeSig_cpu"]) = Time(() => BlsSignature.FromBytes(sigBytes), budget / 2, 9, 5000);
var allSigBytes = sigs.Select(x => x.ToBytes()).ToArray();
if (BlsSignature.TryFromBytesMany(allSigBytes).Any(x => x is null)) throw new Exception("decode many failed");
var (dm, dmCpu) = Time(() => BlsSignature.TryFromBytesMany(allSigBytes), budget, 9, 2000);
(r["decodeSig128"], r["decodeSig128_cpu"]) = (dm / N, dmCpu / N);
var allPkBytes = pks.Select(x => x.ToBytes()).ToArray();
if (BlsPublicKey.TryFromBytesMany(allPkBytes).Any(x => x is null)) throw new Exception("decode keys failed");
var (km, kmCpu) = Time(() => BlsPublicKey.TryFromBytesMany(allPkBytes), budget, 9, 2000);
(r["decodePk128"], r["decodePk128_cpu"]) = (km / N, kmCpu / N);
r["cores"] = Environment.ProcessorCount;
r["sig0"] = Convert.ToHexString(sigBytes).ToLowerInvariant();
var sb = new StringBuilder("{");
foreach (var (k, v) in r)
{
    if (sb.Length > 1) sb.Append(',');
    sb.Append('"').Append(k).Append("\":");
    sb.Append(v is string str ? "\"" + str + "\"" : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture));
}
Console.WriteLine(sb.Append('}').ToString());
