using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cirrus.Cli;

/// <summary>
/// --config FILE for the long-running commands: a YAML mapping from option names (without the dashes) to
/// values, for people who run the node as a service. `name: value` is `--name value`, a list repeats the
/// option, `true` sets a flag and `false` leaves it out. The file is the last source consulted: the command
/// line and CIRRUS_* environment variables override what it sets (see <see cref="CommandArgs"/>).
/// </summary>
internal static class ConfigFile
{
    public const long MaxBytes = 1 << 20;

    public static System.CommandLine.Option ConfigOption => Opt.Value("config", "FILE",
        "a YAML mapping of these options' names to values (a list repeats an option, true/false set or leave out a flag)");

    /// <summary>The file's options as command-line tokens.</summary>
    public static List<string> Tokens(string path)
    {
        string text = System.Text.Encoding.UTF8.GetString(CliFiles.ReadFile(path, MaxBytes, "a config file"));
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CliException($"--config {path}: not valid YAML at line {e.Start.Line}: {e.Message}", 2);
        }
        var tokens = new List<string>();
        if (yaml.Documents.Count == 0) return tokens;
        if (yaml.Documents.Count > 1 || yaml.Documents[0].RootNode is not YamlMappingNode map)
            throw new CliException($"--config {path}: expected one mapping of option names to values", 2);
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { Length: > 0 } key })
                throw new CliException($"--config {path}: line {keyNode.Start.Line}: option names are plain words", 2);
            string name = key.TrimStart('-');
            if (name == "config") throw new CliException($"--config {path}: a config file cannot name another", 2);
            switch (valueNode)
            {
                case YamlScalarNode { Value: "true" }:
                    tokens.Add("--" + name);
                    break;
                case YamlScalarNode { Value: "false" }:
                    break;
                case YamlScalarNode s:
                    tokens.Add("--" + name);
                    tokens.Add(s.Value ?? "");
                    break;
                case YamlSequenceNode seq:
                    foreach (var item in seq.Children)
                    {
                        if (item is not YamlScalarNode si) throw new CliException($"--config {path}: line {item.Start.Line}: the items of '{name}' must be plain values", 2);
                        tokens.Add("--" + name);
                        tokens.Add(si.Value ?? "");
                    }
                    break;
                default:
                    throw new CliException($"--config {path}: line {valueNode.Start.Line}: the value of '{name}' must be a value or a list", 2);
            }
        }
        return tokens;
    }
}
