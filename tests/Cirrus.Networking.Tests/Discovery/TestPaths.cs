namespace Cirrus.Networking.Tests.Discovery;

internal static class TestPaths
{
    /// <summary>Finds a directory by walking up from the test binary; the repo root and a sibling shared/ are both searched.</summary>
    public static string? FindUp(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate) || Directory.Exists(candidate)) return candidate;
            var shared = Path.Combine(dir.FullName, "..", relative);
            if (File.Exists(shared) || Directory.Exists(shared)) return Path.GetFullPath(shared);
            dir = dir.Parent;
        }
        return null;
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BeaconNode.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root (BeaconNode.sln) not found");
    }

    public static string MedallaBootnodes()
    {
        var env = Environment.GetEnvironmentVariable("CIRRUS_SHARED_DIR");
        if (env is not null && File.Exists(Path.Combine(env, "testnets/medalla/bootstrap_nodes.txt")))
            return Path.Combine(env, "testnets/medalla/bootstrap_nodes.txt");
        return FindUp("shared/testnets/medalla/bootstrap_nodes.txt")
            ?? throw new InvalidOperationException("shared/testnets/medalla/bootstrap_nodes.txt not found beside the repository (set CIRRUS_SHARED_DIR)");
    }
}
