using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Cirrus.SpecTests;

/// <summary>Reads the vectors' YAML files; converts YAML to JSON with every scalar as a string.</summary>
public static class YamlJson
{
    public static YamlNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents[0].RootNode;
    }

    /// <summary>A top-level mapping's scalar values by key (meta.yaml, roots.yaml).</summary>
    public static Dictionary<string, string> LoadMap(string path)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Load(path) is YamlMappingNode m)
            foreach (var (k, v) in m.Children)
                if (v is YamlScalarNode s) d[((YamlScalarNode)k).Value!] = s.Value ?? "";
        return d;
    }

    public static JsonDocument ToJson(YamlNode node)
    {
        var sb = new StringBuilder();
        Write(node, sb);
        return JsonDocument.Parse(sb.ToString());
    }

    private static void Write(YamlNode node, StringBuilder sb)
    {
        switch (node)
        {
            case YamlScalarNode s:
                sb.Append(JsonSerializer.Serialize(s.Value ?? ""));
                break;
            case YamlSequenceNode seq:
                sb.Append('[');
                bool first = true;
                foreach (var c in seq.Children)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    Write(c, sb);
                }
                sb.Append(']');
                break;
            case YamlMappingNode map:
                sb.Append('{');
                bool f = true;
                foreach (var (k, v) in map.Children)
                {
                    if (!f) sb.Append(',');
                    f = false;
                    sb.Append(JsonSerializer.Serialize(((YamlScalarNode)k).Value)).Append(':');
                    Write(v, sb);
                }
                sb.Append('}');
                break;
            default:
                throw new InvalidOperationException("unsupported YAML node " + node.NodeType);
        }
    }
}
