using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Cli.Commands;

/// <summary>Shared by the ncli SSZ tools: picks the container type and the preset's schema.</summary>
internal static class NcliSsz
{
    public static SszSchema Schema(string preset) => NcliTransitionSupport.Preset(preset).Schema;

    public static Type ContainerType(string name)
    {
        var t = typeof(BeaconState).Assembly.GetType("Cirrus.Consensus.Types." + name);
        if (t is null || !t.IsClass || !t.IsPublic)
        {
            var known = typeof(BeaconState).Assembly.GetTypes()
                .Where(x => x.Namespace == "Cirrus.Consensus.Types" && x.IsClass && x.IsPublic && !x.IsAbstract)
                .Select(x => x.Name).Order(StringComparer.Ordinal);
            throw new CliException($"unknown type '{name}' (known: {string.Join(", ", known)})", 2);
        }
        return t;
    }

    /// <summary>Decodes FILE as the type, turning any SSZ error into a one-line message.</summary>
    public static (SszType Type, object Value) Decode(SszSchema schema, Type type, string path)
    {
        var ssz = schema.Get(type);
        byte[] bytes = CliFiles.ReadSszFile(path, ssz, "an SSZ " + type.Name);
        try
        {
            object value = typeof(NcliSsz).GetMethod(nameof(DecodeTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(type).Invoke(null, [ssz, bytes])!;
            return (ssz, value);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is SszException s)
        {
            throw new CliException($"{path} is not a valid SSZ {type.Name}: {s.Message}");
        }
    }

    private static T DecodeTyped<T>(SszType<T> type, byte[] bytes) => type.Deserialize(bytes);
}
