using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Cirrus.Cli;

/// <summary>
/// --log-level, --log-format and --log-file for the long-running commands, through Microsoft.Extensions.Logging: the
/// components keep logging plain lines (an Action&lt;string&gt;), which become log entries with a level
/// (WARNING/error lines above information), filtered by the level asked and written by a provider that
/// writes each line at once to the command's output (and the log file), as text or as one JSON object per line
/// for log shippers.
/// </summary>
internal static class Logging
{
    public const ulong DefaultFileMaxMiB = 100, DefaultFileCount = 5;

    public static IEnumerable<System.CommandLine.Symbol> Symbols =>
    [
        Opt.Value("log-level", "LEVEL", "trace, debug, info (default), warn or error", "trace", "debug", "info", "warn", "error"),
        Opt.Value("log-format", "FORMAT", "text (default) or json: one JSON object per line (timestamp, level, category, message) for log shippers",
            "text", "json"),
        Opt.Value("log-file", "PATH", "also write the log to PATH, in the same format; rotated by size to PATH.1 (the newest) .. PATH.N"),
        Opt.Value("log-file-max-size", "MIB", $"rotate the log file when it would pass this many MiB (default {DefaultFileMaxMiB})"),
        Opt.Value("log-file-count", "N", $"rotated log files kept beside PATH (default {DefaultFileCount}; 0 keeps none)"),
    ];

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

    /// <summary>The command's log; <paramref name="category"/> names the component in JSON entries. Dispose it to close the log file.</summary>
    public static Sink Create(TextWriter output, CommandArgs a, string category)
    {
        var level = ParseLevel(a.Option("log-level"));
        bool json = ParseJson(a.Option("log-format"));
        RotatingFile? file = null;
        if (a.Option("log-file") is { } path)
        {
            ulong mib = a.ULong("log-file-max-size", DefaultFileMaxMiB), count = a.ULong("log-file-count", DefaultFileCount);
            if (mib is 0 or > 1 << 20) throw new CliException($"option --log-file-max-size: {mib} is not between 1 and {1 << 20} MiB", 2);
            if (count > 1000) throw new CliException($"option --log-file-count: {count} is more than 1000", 2);
            file = RotatingFile.Open(path, (long)mib << 20, (int)count);
        }
        else if (a.Option("log-file-max-size") is not null || a.Option("log-file-count") is not null)
            throw new CliException("--log-file-max-size and --log-file-count need --log-file", 2);
        var provider = new LineLoggerProvider(output, json, file);
        var factory = LoggerFactory.Create(b => b.SetMinimumLevel(level).AddProvider(provider));
        var logger = factory.CreateLogger(category);
        // the state overload: a message with braces is never read as a template
        return new Sink(msg => logger.Log(LevelOf(msg), default, msg, null, static (s, _) => s), factory);
    }

    /// <summary>The log as the components take it (<see cref="Log"/>), owning the logger factory and the log file.</summary>
    public sealed class Sink(Action<string> log, ILoggerFactory factory) : IDisposable
    {
        public Action<string> Log { get; } = log;

        public void Dispose() => factory.Dispose(); // disposes the provider, which closes the file
    }

    /// <summary>Components mark warnings and errors in the text itself.</summary>
    public static LogLevel LevelOf(string msg) =>
        msg.StartsWith("WARNING", StringComparison.Ordinal) ? LogLevel.Warning :
        msg.StartsWith("error", StringComparison.OrdinalIgnoreCase) ? LogLevel.Error : LogLevel.Information;

    private sealed class LineLoggerProvider(TextWriter output, bool json, RotatingFile? file) : ILoggerProvider
    {
        private readonly Lock _gate = new();
        private RotatingFile? _file = file;

        public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

        public void Dispose()
        {
            lock (_gate)
            {
                _file?.Dispose();
                _file = null;
            }
        }

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
                if (_file is null) return;
                try
                {
                    _file.WriteLine(line);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // a full disk or a removed directory must not stop the node: say so once, go on with the console
                    output.WriteLine($"{now:HH:mm:ss.fff} WARNING: the log file stopped: {e.Message}");
                    output.Flush();
                    _file.Dispose();
                    _file = null;
                }
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
