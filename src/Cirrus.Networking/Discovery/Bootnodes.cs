namespace Cirrus.Networking.Discovery;

/// <summary>Reads bootnode lists such as a testnet's <c>bootstrap_nodes.txt</c>: one ENR per line, '#' comments, blank lines.</summary>
public static class Bootnodes
{
    /// <summary>Parses every record; a bad line throws <see cref="EnrException"/> naming its line number.</summary>
    public static List<Enr> Parse(string text)
    {
        var result = new List<Enr>();
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            // tolerate YAML list syntax ("- enr:...") as used by some testnet repositories
            if (line.StartsWith("- ", StringComparison.Ordinal)) line = line[2..].Trim().Trim('"', '\'');
            try { result.Add(Enr.Parse(line)); }
            catch (EnrException e) { throw new EnrException($"line {i + 1}: {e.Message}"); }
        }
        return result;
    }

    public static List<Enr> ParseFile(string path) => Parse(File.ReadAllText(path));
}
