using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Cirrus.Ssz;

namespace Cirrus.Differential;

public enum Verdict : byte { Reject = 0, Accept = 1, StateRootMismatch = 2, DecodeError = 3 }

/// <summary>A side's answer: verdict, post-state root (accept or state-root mismatch), and why.</summary>
/// <remarks>
/// <see cref="RootWithoutInfinityKeys"/> (Cirrus only): when the post-state holds validators that deposits with the
/// infinity public key added, its root with those validators (and their balances) removed, i.e. the state a
/// v1.0 client, whose KeyValidate refuses that key, computes. Null otherwise.
/// </remarks>
public readonly record struct Outcome(Verdict Verdict, Bytes32 Root, string Message, Bytes32? RootWithoutInfinityKeys = null);

/// <summary>
/// fuzz/differential/lodestar-runner.mjs as one long-lived node process: length-prefixed frames over
/// stdin/stdout. Requests are pipelined; answers come back in order.
/// </summary>
public sealed class LodestarRunner : IDisposable
{
    private readonly Process _proc;
    private readonly Stream _in, _out;
    private readonly StringBuilder _stderr = new();

    public LodestarRunner(string script, string modules, string node = "node")
    {
        var psi = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--max-old-space-size=2048");
        psi.ArgumentList.Add(script);
        psi.ArgumentList.Add(modules);
        _proc = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        _proc.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (_stderr) _stderr.AppendLine(e.Data); };
        _proc.BeginErrorReadLine();
        _in = _proc.StandardInput.BaseStream;
        _out = _proc.StandardOutput.BaseStream;
    }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public void SendState(uint id, byte[] state) => Send(1, id, state);
    public void SendBlock(uint id, byte[] block) => Send(2, id, block);
    public void SendOperation(uint id, OperationKind kind, byte[] op) => Send(3, id, [(byte)kind, .. op]);

    private void Send(byte kind, uint id, byte[] payload)
    {
        Span<byte> head = stackalloc byte[9];
        BinaryPrimitives.WriteUInt32LittleEndian(head, (uint)(5 + payload.Length));
        head[4] = kind;
        BinaryPrimitives.WriteUInt32LittleEndian(head[5..], id);
        _in.Write(head);
        _in.Write(payload);
    }

    public void Flush() => _in.Flush();

    public Outcome Receive()
    {
        Span<byte> len = stackalloc byte[4];
        ReadExactly(len);
        var frame = new byte[BinaryPrimitives.ReadUInt32LittleEndian(len)];
        ReadExactly(frame);
        return new Outcome((Verdict)frame[0], Bytes32.FromSpan(frame.AsSpan(1, 32)), Encoding.UTF8.GetString(frame, 33, frame.Length - 33));
    }

    private void ReadExactly(Span<byte> buf)
    {
        try { _out.ReadExactly(buf); }
        catch (EndOfStreamException) { throw new InvalidOperationException("the Lodestar runner exited:\n" + Stderr); }
    }

    public void Dispose()
    {
        try { _in.Close(); } catch (IOException) { }
        if (!_proc.WaitForExit(5000)) _proc.Kill();
        _proc.Dispose();
    }
}
