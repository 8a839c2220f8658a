using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cirrus.Tests.Shared;

/// <summary>
/// A hostile HTTP server on 127.0.0.1 (compiled into several test projects): answers every request with
/// the given headers and then a body of one byte repeated, with no line end, until the client stops
/// reading or <see cref="Cap"/> bytes are written. Counts what it wrote per connection.
/// </summary>
internal sealed class EndlessServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private readonly string _headers;

    /// <summary>Bytes written on each finished connection, in order.</summary>
    public System.Collections.Concurrent.BlockingCollection<long> Finished { get; } = [];

    public long Cap { get; }

    public EndlessServer(string contentType, long cap)
    {
        Cap = cap;
        _headers = $"HTTP/1.1 200 OK\r\nContent-Type: {contentType}\r\nConnection: close\r\n\r\n";
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient c;
            try { c = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = Task.Run(() => ServeAsync(c));
        }
    }

    private async Task ServeAsync(TcpClient c)
    {
        long written = 0;
        using (c)
        {
            try
            {
                var s = c.GetStream();
                // Read the request head (bounded), then answer.
                var head = new List<byte>();
                var one = new byte[1];
                while (head.Count < 16384 && !(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
                {
                    if (await s.ReadAsync(one, _stop.Token) == 0) return;
                    head.Add(one[0]);
                }
                await s.WriteAsync(Encoding.ASCII.GetBytes(_headers), _stop.Token);
                byte[] chunk = new byte[64 * 1024];
                Array.Fill(chunk, (byte)'a');
                while (written < Cap)
                {
                    await s.WriteAsync(chunk, _stop.Token);
                    written += chunk.Length;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client hung up: that is the point.
            }
        }
        Finished.Add(written);
    }

    /// <summary>Bytes written on the next connection to finish, or -1 when none finishes within the bound.</summary>
    public long NextFinished(TimeSpan within) => Finished.TryTake(out long n, within) ? n : -1;

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        try { await _accept; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
