using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Cirrus.Cli;

/// <summary>
/// --log-level and --log-format for the long-running commands, through Microsoft.Extensions.Logging: the
/// components keep logging plain lines (an Action&lt;string&gt;), which become log entries with a level
/// (WARNING/error lines above information), filtered by the level asked and written by a provider that
/// writes each line at once to the command's output, as text or as one JSON object per line for log shippers.
/// </summary>
internal static class Logging
{
    public static readonly string[] Options = ["log-level", "log-format"];

    public static LogLevel ParseLevel(string? text) => text switch
    {
        null or "info" or "information" => LogLevel.Information,
        "debug" => LogLevel.Debug,
        "trace" => LogLevel.Trace,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new CliException($"option --log-level: '{text}' is not one of trace, debug, info, warn, error", 2),
    };

    public static bool ParseJson(string? text) => text switch
    {
        null or "text" => false,
        "json" => true,
        _ => throw new CliException($"option --log-format: '{text}' is not text or json", 2),
    };

    /// <summary>The command's log sink; <paramref name="category"/> names the component in JSON entries.</summary>
    public static Action<string> Create(TextWriter output, CliArgs a, string category)
    {
        var level = ParseLevel(a.Option("log-level"));
        bool json = ParseJson(a.Option("log-format"));
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(new LineLoggerProvider(output, json)));
        var logger = factory.CreateLogger(category);
        // the state overload: a message with braces is never read as a template
        return msg => logger.Log(LevelOf(msg), default, msg, null, static (s, _) => s);
    }

    /// <summary>Components mark warnings and errors in the text itself.</summary>
    public static LogLevel LevelOf(string msg) =>
        msg.StartsWith("WARNING", StringComparison.Ordinal) ? LogLevel.Warning :
        msg.StartsWith("error", StringComparison.OrdinalIgnoreCase) ? LogLevel.Error : LogLevel.Information;

    private sealed class LineLoggerProvider(TextWriter output, bool json) : ILoggerProvider
    {
        private readonly Lock _gate = new();

        public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

        public void Dispose() { }

        public void Write(LogLevel level, string category, string message, Exception? exception)
        {
            var now = DateTime.UtcNow;
            string line;
            if (json)
            {
                using var ms = new MemoryStream();
                using (var w = new Utf8JsonWriter(ms))
                {
                    w.WriteStartObject();
                    w.WriteString("timestamp", now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
                    w.WriteString("level", Name(level));
                    w.WriteString("category", category);
                    w.WriteString("message", message);
                    if (exception is not null) w.WriteString("exception", exception.ToString());
                    w.WriteEndObject();
                }
                line = System.Text.Encoding.UTF8.GetString(ms.ToArray());
            }
            else line = $"{now:HH:mm:ss.fff} {message}" + (exception is null ? "" : " " + exception.Message);
            lock (_gate)
            {
                output.WriteLine(line);
                output.Flush();
            }
        }

        private static string Name(LogLevel l) => l switch
        {
            LogLevel.Trace => "trace",
            LogLevel.Debug => "debug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "error",
            _ => "critical",
        };
    }

    private sealed class LineLogger(LineLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) provider.Write(logLevel, category, formatter(state, exception), exception);
        }
    }
}
