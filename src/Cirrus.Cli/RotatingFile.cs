using System.Text;

namespace Cirrus.Cli;

/// <summary>
/// The --log-file writer: appends lines and, before a line would take the file past <c>maxBytes</c>, renames
/// PATH.(N-1) → PATH.N, …, PATH → PATH.1 (the oldest, PATH.N, is dropped) and starts PATH afresh. Not thread-safe:
/// the logger provider holds its lock around each write.
/// </summary>
internal sealed class RotatingFile : IDisposable
{
    private readonly string _path;
    private readonly long _maxBytes;
    private readonly int _count;
    private FileStream _stream;

    private RotatingFile(string path, long maxBytes, int count, FileStream stream)
    {
        _path = path;
        _maxBytes = maxBytes;
        _count = count;
        _stream = stream;
    }

    /// <summary>Opens (appending to) <paramref name="path"/>; a path that cannot be written is a one-line error.</summary>
    public static RotatingFile Open(string path, long maxBytes, int count)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
            return new RotatingFile(full, maxBytes, count, OpenAppend(full));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliException($"cannot open the log file {path}: {e.Message}");
        }
    }

    private static FileStream OpenAppend(string path) => new(path, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete);

    public void WriteLine(string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\n");
        if (_stream.Length > 0 && _stream.Length + bytes.Length > _maxBytes) Rotate();
        _stream.Write(bytes);
        _stream.Flush();
    }

    private void Rotate()
    {
        _stream.Dispose();
        if (_count == 0) File.Delete(_path);
        else
        {
            File.Delete($"{_path}.{_count}");
            for (int i = _count - 1; i >= 1; i--)
                if (File.Exists($"{_path}.{i}")) File.Move($"{_path}.{i}", $"{_path}.{i + 1}");
            File.Move(_path, $"{_path}.1");
        }
        _stream = OpenAppend(_path);
    }

    public void Dispose() => _stream.Dispose();
}
