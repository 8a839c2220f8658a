namespace Cirrus.SpecTests;

/// <summary>
/// Locates the official vectors (consensus-spec-tests/, fetched by scripts/fetch-spec-tests.sh)
/// and lists case directories so that each vector directory becomes its own xunit case.
/// Missing vectors make every spec test fail with instructions; they are never skipped.
/// </summary>
public static class SpecTestPaths
{
    public const string Missing = "<vectors missing: run scripts/fetch-spec-tests.sh (make test does it)>";

    private static readonly Lazy<string?> RootLazy = new(FindRoot);

    public static string? Root => RootLazy.Value;

    private static string? FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("SPEC_TESTS_DIR");
        if (!string.IsNullOrEmpty(env)) return Directory.Exists(env) ? Path.GetFullPath(env) : null;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "consensus-spec-tests");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(candidate, ".complete-0.12.3"))) return candidate;
        }
        return null;
    }

    /// <summary>
    /// One row per case directory under <paramref name="handlerPath"/> (e.g. "general/phase0/bls/sign"),
    /// walking every suite below it; the row is the case's path relative to the vector root.
    /// </summary>
    public static IEnumerable<object[]> Cases(string handlerPath)
    {
        string? root = Root;
        string dir = root is null ? "" : Path.Combine(root, handlerPath);
        if (root is null || !Directory.Exists(dir))
        {
            yield return [Missing + " (" + handlerPath + ")"];
            yield break;
        }
        foreach (string suite in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
            foreach (string c in Directory.GetDirectories(suite).Order(StringComparer.Ordinal))
                yield return [Path.GetRelativePath(root, c).Replace('\\', '/')];
    }

    /// <summary>Absolute directory of a case row; fails the test loudly when vectors are missing.</summary>
    public static string Resolve(string caseRow)
    {
        if (caseRow.StartsWith("<vectors missing", StringComparison.Ordinal) || Root is null)
            throw new InvalidOperationException("Spec vectors are missing: run scripts/fetch-spec-tests.sh. " + caseRow);
        return Path.Combine(Root, caseRow);
    }
}
