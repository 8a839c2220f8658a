using System.Text;
using Cirrus.Validator;

namespace Cirrus.Cli.Commands;

/// <summary>What the key commands share: reading secrets from files and turning validator errors into CLI errors.</summary>
internal static class KeyFiles
{
    /// <summary>A password or passphrase file's text without its trailing line break.</summary>
    public static string ReadSecretText(string path, string what)
    {
        string text = Encoding.UTF8.GetString(CliFiles.ReadFile(path, BoundedFile.MaxSecretBytes, "a " + what)).TrimEnd('\r', '\n');
        if (text.Length == 0) throw new CliException($"{what} {path} is empty");
        return text;
    }

    /// <summary>Runs <paramref name="body"/>, reporting a ValidatorException as a one-line error (exit 1).</summary>
    public static T Guard<T>(Func<T> body)
    {
        try { return body(); }
        catch (ValidatorException e) { throw new CliException(e.Message); }
    }
}
