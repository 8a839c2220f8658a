namespace Cirrus.Crypto.Bls12381;

/// <summary>The field operations the curve code needs, so G1 (over Fp) and G2 (over Fp2) share one implementation.</summary>
internal interface IField<T> where T : struct, IField<T>
{
    static abstract T FZero { get; }
    static abstract T FOne { get; }
    static abstract bool FIsZero(in T a);
    static abstract bool FEq(in T a, in T b);
    static abstract T FAdd(in T a, in T b);
    static abstract T FSub(in T a, in T b);
    static abstract T FMul(in T a, in T b);
    static abstract T FSqr(in T a);
    static abstract T FNeg(in T a);
    static abstract T FInv(in T a);
    static abstract T FSelect(in T a, in T b, bool flag);
}

internal partial struct Fp : IField<Fp>
{
    public static Fp FZero => default;
    public static Fp FOne => One;
    public static bool FIsZero(in Fp a) => a.IsZero;
    public static bool FEq(in Fp a, in Fp b) => a.Equals(b);
    public static Fp FAdd(in Fp a, in Fp b) { Add(out Fp r, a, b); return r; }
    public static Fp FSub(in Fp a, in Fp b) { Sub(out Fp r, a, b); return r; }
    public static Fp FMul(in Fp a, in Fp b) { Mul(out Fp r, a, b); return r; }
    public static Fp FSqr(in Fp a) { Sqr(out Fp r, a); return r; }
    public static Fp FNeg(in Fp a) { Neg(out Fp r, a); return r; }
    public static Fp FInv(in Fp a) => a.Inverse();
    public static Fp FSelect(in Fp a, in Fp b, bool flag) => Select(a, b, flag);
}

internal partial struct Fp2 : IField<Fp2>
{
    public static Fp2 FZero => default;
    public static Fp2 FOne => One;
    public static bool FIsZero(in Fp2 a) => a.IsZero;
    public static bool FEq(in Fp2 a, in Fp2 b) => a.Equals(b);
    public static Fp2 FAdd(in Fp2 a, in Fp2 b) { Add(out Fp2 r, a, b); return r; }
    public static Fp2 FSub(in Fp2 a, in Fp2 b) { Sub(out Fp2 r, a, b); return r; }
    public static Fp2 FMul(in Fp2 a, in Fp2 b) { Mul(out Fp2 r, a, b); return r; }
    public static Fp2 FSqr(in Fp2 a) { Square(out Fp2 r, a); return r; }
    public static Fp2 FNeg(in Fp2 a) => -a;
    public static Fp2 FInv(in Fp2 a) => a.Inverse();
    public static Fp2 FSelect(in Fp2 a, in Fp2 b, bool flag) => new(Fp.Select(a.C0, b.C0, flag), Fp.Select(a.C1, b.C1, flag));
}
