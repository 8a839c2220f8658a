# Generates src/Cirrus.Crypto/Bls12381/FpRadix56.cs (unrolled radix-2^56 Montgomery products):
#   python3 scripts/gen-fp-radix56.py > src/Cirrus.Crypto/Bls12381/FpRadix56.cs
M = (1 << 56) - 1
p = 0x1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab
pl = [(p >> (56 * k)) & M for k in range(7)]
inv56 = (-pow(p, -1, 1 << 56)) % (1 << 56)
out = []
w = out.append
def consts():
    w("    // p in 56-bit limbs, each shifted left by 8 (the MULX operand form); -p^-1 mod 2^56.")
    for k in range(7):
        w(f"    private const ulong Pb{k} = 0x{(pl[k] << 8):016x}UL;")
    w(f"    private const ulong Inv56 = 0x{inv56:014x}UL;")
    w(f"    private const ulong Mask56 = 0x00ffffffffffffffUL;")
    w(f"    private const ulong Mask48 = 0x0000ffffffffffffUL;")

def split_a(pre, src):
    # value split into 7 x 56-bit limbs
    w(f"        ulong {pre}0 = {src}.L0 & Mask56;")
    w(f"        ulong {pre}1 = (({src}.L0 >> 56) | ({src}.L1 << 8)) & Mask56;")
    w(f"        ulong {pre}2 = (({src}.L1 >> 48) | ({src}.L2 << 16)) & Mask56;")
    w(f"        ulong {pre}3 = (({src}.L2 >> 40) | ({src}.L3 << 24)) & Mask56;")
    w(f"        ulong {pre}4 = (({src}.L3 >> 32) | ({src}.L4 << 32)) & Mask56;")
    w(f"        ulong {pre}5 = (({src}.L4 >> 24) | ({src}.L5 << 40)) & Mask56;")
    w(f"        ulong {pre}6 = {src}.L5 >> 16;")

def split_b(pre, src):
    # (value * 2^8) split into 56-bit limbs, each stored shifted left by 8 (top byte clear -> low byte clear)
    H = "0xffffffffffffff00UL"
    w(f"        ulong {pre}0 = {src}.L0 << 16;")
    w(f"        ulong {pre}1 = (({src}.L0 >> 40) | ({src}.L1 << 24)) & {H};")
    w(f"        ulong {pre}2 = (({src}.L1 >> 32) | ({src}.L2 << 32)) & {H};")
    w(f"        ulong {pre}3 = (({src}.L2 >> 24) | ({src}.L3 << 40)) & {H};")
    w(f"        ulong {pre}4 = (({src}.L3 >> 16) | ({src}.L4 << 48)) & {H};")
    w(f"        ulong {pre}5 = (({src}.L4 >> 8) | ({src}.L5 << 56)) & {H};")
    w(f"        ulong {pre}6 = {src}.L5 & {H};")

def madd(x, y, j):
    w(f"        h = Bmi2.X64.MultiplyNoFlags({x}, {y}); t{j} += ({x} * {y}) >> 8; t{j+1} += h;")

def body(pairs):
    w("        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6 = 0, t7 = 0, h, m;")
    for i in range(7):
        for (a, b) in pairs:
            for j in range(7):
                madd(f"{a}{i}", f"{b}{j}", j)
        w("        m = (t0 * Inv56) & Mask56;")
        # t0 + lo(m·p0) = 2^56·ceil(t0 / 2^56): that low half needs no multiplication.
        w("        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t1 += h;")
        for j in range(1, 7):
            madd("m", f"Pb{j}", j)
        w("        t0 = t1 + ((t0 + Mask56) >> 56); t1 = t2; t2 = t3; t3 = t4; t4 = t5; t5 = t6; t6 = t7; t7 = 0;")
    # normalize and repack
    w("        t1 += t0 >> 56; t0 &= Mask56;")
    w("        t2 += t1 >> 56; t1 &= Mask56;")
    w("        t3 += t2 >> 56; t2 &= Mask56;")
    w("        t4 += t3 >> 56; t3 &= Mask56;")
    w("        t5 += t4 >> 56; t4 &= Mask56;")
    w("        t6 += t5 >> 56; t5 &= Mask56;")
    w("        Reduce(out r, t0 | (t1 << 56), (t1 >> 8) | (t2 << 48), (t2 >> 16) | (t3 << 40), (t3 >> 24) | (t4 << 32), (t4 >> 32) | (t5 << 24), (t5 >> 40) | (t6 << 16));")

def square_body():
    w("        ulong A0 = a0 << 8, A1 = a1 << 8, A2 = a2 << 8, A3 = a3 << 8, A4 = a4 << 8, A5 = a5 << 8, A6 = a6 << 8;")
    w("        ulong " + ", ".join(f"t{k} = 0" for k in range(14)) + ", h, m;")
    for i in range(7):
        for j in range(i + 1, 7):
            w(f"        h = Bmi2.X64.MultiplyNoFlags(a{i}, A{j}); t{i+j} += (a{i} * A{j}) >> 8; t{i+j+1} += h;")
    w("        " + " ".join(f"t{k} <<= 1;" for k in range(1, 14)))
    for i in range(7):
        w(f"        h = Bmi2.X64.MultiplyNoFlags(a{i}, A{i}); t{2*i} += (a{i} * A{i}) >> 8; t{2*i+1} += h;")
    for r in range(7):
        mask = "Mask56" if r < 6 else "Mask48"
        w(f"        m = (t{r} * Inv56) & {mask};")
        if r < 6:
            w(f"        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); t{r+1} += h + ((t{r} + Mask56) >> 56);")
        for j in range(0 if r == 6 else 1, 7):
            w(f"        h = Bmi2.X64.MultiplyNoFlags(m, Pb{j}); t{r+j} += (m * Pb{j}) >> 8; t{r+j+1} += h;")
    for k in range(6, 13):
        w(f"        t{k+1} += t{k} >> 56; t{k} &= Mask56;")
    w("        Reduce(out r, (t6 >> 48) | (t7 << 8), t8 | (t9 << 56), (t9 >> 8) | (t10 << 48), (t10 >> 16) | (t11 << 40), (t11 >> 24) | (t12 << 32), (t12 >> 32) | (t13 << 24));")


K4 = 4 * p * p * 256  # 4p^2·2^8: a multiple of p above any a1·b1·2^8 with a1, b1 < 2p
kl = [(K4 >> (56 * k)) & M for k in range(14)]
assert K4 >> (56 * 14) == 0

def product_cols(pre, x, y):
    # columns of x·(y·2^8 form): lo to column i+j, hi to column i+j+1
    w("        ulong " + ", ".join(f"{pre}{k} = 0" for k in range(14)) + ";")
    for i in range(7):
        for j in range(7):
            w(f"        h = Bmi2.X64.MultiplyNoFlags({x}{i}, {y}{j}); {pre}{i+j} += ({x}{i} * {y}{j}) >> 8; {pre}{i+j+1} += h;")

def reduce_signed(c, out):
    # Montgomery reduction by 2^392 of signed columns c0..c13 (value >= 0). In each round the low half of
    # m·p0 is 2^56 - (c_r mod 2^56) (or 0), so it is not multiplied: the carry out of column r is ceil(c_r / 2^56).
    for r in range(7):
        w(f"        m = ((ulong){c}{r} * Inv56) & Mask56;")
        w(f"        h = Bmi2.X64.MultiplyNoFlags(m, Pb0); {c}{r+1} += (long)h + (({c}{r} + (long)Mask56) >> 56);")
        for j in range(1, 7):
            w(f"        h = Bmi2.X64.MultiplyNoFlags(m, Pb{j}); {c}{r+j} += (long)((m * Pb{j}) >> 8); {c}{r+j+1} += (long)h;")
    for k in range(7, 13):
        w(f"        {c}{k+1} += {c}{k} >> 56; {c}{k} &= (long)Mask56;")
    w(f"        Reduce(out {out}, (ulong){c}7 | ((ulong){c}8 << 56), ((ulong){c}8 >> 8) | ((ulong){c}9 << 48), ((ulong){c}9 >> 16) | ((ulong){c}10 << 40), ((ulong){c}10 >> 24) | ((ulong){c}11 << 32), ((ulong){c}11 >> 32) | ((ulong){c}12 << 24), ((ulong){c}12 >> 40) | ((ulong){c}13 << 16));")

def product_fn():
    split_a("a", "a"); split_b("b", "b")
    w("        ulong h;")
    product_cols("T", "a", "b")
    for k in range(14):
        w(f"        r.C{k} = (long)T{k};")

def reduce_fn():
    for k in range(14):
        w(f"        long e{k} = x.C{k} + y.C{k} - z.C{k} - w.C{k};")
    w("        ulong h, m;")
    reduce_signed("e", "r")

print("using System.Runtime.Intrinsics.X86;\n\nnamespace Cirrus.Crypto.Bls12381;\n")
print("""/// <summary>
/// Montgomery multiplication with BMI2 on seven 56-bit limbs. A 56x56-bit product split at bit 56 by
/// MULX (high half) and IMUL+SHR (low half) of x·(y·2^8) leaves 8 spare bits in every column, so the
/// columns are plain 64-bit sums with no carry detection (.NET has no add-with-carry), which halves
/// the instruction count of a 64-bit-limb CIOS. The second operand enters as b·2^8 and the reduction
/// divides by 2^392, so the result is a·b·2^-384 as for the rest of Fp. Output &lt; 1.25p before the
/// final conditional subtraction, for one product or a sum of two.
/// </summary>
internal partial struct Fp
{""")
out.clear()
consts()
print("\n".join(out)); out.clear()
print("""
    /// <summary>a·b·2^-384 mod p (BMI2, radix 2^56).</summary>
    public static void MulBmi2(out Fp r, in Fp a, in Fp b)
    {""")
split_a("a", "a"); split_b("b", "b"); body([("a", "b")])
print("\n".join(out)); out.clear()
print("    }\n")
print("""    /// <summary>(a·b + c·d)·2^-384 mod p (BMI2, radix 2^56): one reduction for the sum of two products.</summary>
    public static void SumOfProductsBmi2(out Fp r, in Fp a, in Fp b, in Fp c, in Fp d)
    {""")
split_a("a", "a"); split_b("b", "b"); split_a("c", "c"); split_b("d", "d"); body([("a", "b"), ("c", "d")])
print("\n".join(out)); out.clear()
print("    }\n")
print("""    /// <summary>
    /// a^2·2^-384 mod p (BMI2, radix 2^56): cross products once and doubled; both operands in the plain
    /// limb form, so the reduction divides by 2^384 directly (six 56-bit rounds and a 48-bit one).
    /// </summary>
    public static void SquareBmi2(out Fp r, in Fp a)
    {""")
split_a("a", "a"); square_body()
print("\n".join(out)); out.clear()
print("    }\n")
print("""    /// <summary>The 14 unreduced radix-2^56 columns of a·b·2^8 (a, b &lt; 2^384), for Karatsuba sums.</summary>
    public static void ProductColumns(out Columns r, in Fp a, in Fp b)
    {""")
product_fn()
print("\n".join(out)); out.clear()
print("    }\n")
print("""    /// <summary>
    /// (x + y - z - w)·2^-392 mod p for column sets whose signed sum is non-negative and below 2p·2^392
    /// (Montgomery reduction of signed columns; one conditional subtraction at the end).
    /// </summary>
    public static void ReduceColumns(out Fp r, in Columns x, in Columns y, in Columns z, in Columns w)
    {""")
reduce_fn()
print("\n".join(out)); out.clear()
print("    }\n")
print("""    /// <summary>Fourteen signed radix-2^56 columns of an unreduced product.</summary>
    internal struct Columns
    {
        public long """ + ", ".join(f"C{k}" for k in range(14)) + """;

        public static readonly Columns Zero = default;

        /// <summary>4p²·2^8: a multiple of p above a·b·2^8 for a, b &lt; 2p, added to make a difference non-negative.</summary>
        public static readonly Columns FourPSquared = new()
        {""")
print("\n".join(f"            C{k} = 0x{kl[k]:x}L," for k in range(14)))
print("        };")
print("    }\n}")
