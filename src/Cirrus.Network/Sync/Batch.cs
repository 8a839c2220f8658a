using Cirrus.Consensus.Types;
using Cirrus.Networking;
using Cirrus.Ssz;

namespace Cirrus.Network.Sync;

/// <summary>Where a range-sync batch is in its life (the shape of Lighthouse's BatchState).</summary>
public enum BatchState
{
    /// <summary>Waiting for a free peer that claims blocks in the range.</summary>
    AwaitingDownload,
    /// <summary>A blocks_by_range request to <see cref="Batch.Peer"/> is in flight.</summary>
    Downloading,
    /// <summary>Downloaded; waits for the batches before it to be imported.</summary>
    AwaitingProcessing,
    /// <summary>Its blocks are being imported.</summary>
    Processing,
    /// <summary>
    /// Imported, but not yet confirmed: a peer can hide blocks (an empty or short answer) and that
    /// only shows when a later batch does not attach, so the batch is kept until a later batch with
    /// blocks has been imported after it.
    /// </summary>
    Processed,
    /// <summary>Out of attempts: the syncing chain gives up and starts again.</summary>
    Failed,
}

/// <summary>
/// One range of slots downloaded from one peer and imported as a unit, with its attempt counts and
/// the peers whose answers failed (avoided on retries, penalised once another peer's answer for the
/// same range proves theirs wrong).
/// </summary>
internal sealed class Batch(ulong startSlot, ulong count)
{
    public const int MaxDownloadAttempts = 5;
    public const int MaxProcessingAttempts = 3;

    public ulong StartSlot { get; } = startSlot;
    public ulong Count { get; } = count;
    public ulong EndSlot => StartSlot + Count - 1;
    public BatchState State { get; private set; }
    /// <summary>The peer downloading the batch, or the one that served <see cref="Blocks"/>.</summary>
    public PeerId? Peer { get; private set; }
    public List<SignedBeaconBlock> Blocks { get; private set; } = [];
    public int DownloadAttempts { get; private set; }
    public int ProcessingAttempts { get; private set; }
    /// <summary>Peers whose answer for this range failed: later attempts go to others when there are others.</summary>
    public HashSet<PeerId> FailedPeers { get; } = [];
    /// <summary>Answers that were imported or served but then put in doubt (an empty batch before one that did not attach): peer → its answer.</summary>
    public Dictionary<PeerId, Answer> Suspects { get; } = [];

    /// <summary>What a peer answered for the range, to compare with the answer that is finally confirmed.</summary>
    public readonly record struct Answer(int Count, Bytes32 LastRoot, string Why);

    public void StartDownload(PeerId peer)
    {
        Expect(BatchState.AwaitingDownload);
        Peer = peer;
        State = BatchState.Downloading;
    }

    public void Downloaded(List<SignedBeaconBlock> blocks)
    {
        Expect(BatchState.Downloading);
        Blocks = blocks;
        State = BatchState.AwaitingProcessing;
    }

    /// <summary>The request failed (timeout, error, malformed answer); false when the batch is out of attempts.</summary>
    public bool DownloadFailed()
    {
        Expect(BatchState.Downloading);
        DownloadAttempts++;
        FailedPeers.Add(Peer!);
        return Retry(DownloadAttempts >= MaxDownloadAttempts);
    }

    /// <summary>The request failed because the peer left: retried without counting an attempt.</summary>
    public void DownloadAbandoned()
    {
        Expect(BatchState.Downloading);
        Retry(false);
    }

    public void StartProcessing()
    {
        Expect(BatchState.AwaitingProcessing);
        State = BatchState.Processing;
    }

    public void ProcessingSucceeded()
    {
        Expect(BatchState.Processing);
        State = BatchState.Processed;
    }

    /// <summary>
    /// The blocks were invalid, or did not attach (then <paramref name="suspicion"/> says why, and the
    /// answer is kept to judge once the range is settled). False when the batch is out of attempts.
    /// </summary>
    public bool ProcessingFailed(string? suspicion, Func<SignedBeaconBlock, Bytes32> root)
    {
        Expect(BatchState.Processing);
        return Redo(suspicion, root);
    }

    /// <summary>
    /// The blocks did not attach, but the batches before them are in doubt: they are imported again
    /// after those are downloaded again (once; a second time the batch itself is downloaded again).
    /// </summary>
    public void Requeue()
    {
        Expect(BatchState.Processing);
        ProcessingAttempts++;
        State = BatchState.AwaitingProcessing;
    }

    /// <summary>An imported batch is doubted (a later one did not attach): download it again elsewhere.</summary>
    public bool Redownload(string suspicion, Func<SignedBeaconBlock, Bytes32> root)
    {
        Expect(BatchState.Processed);
        return Redo(suspicion, root);
    }

    /// <summary>The answer finally imported: the suspects whose answers differed from it withheld or invented blocks.</summary>
    public IEnumerable<(PeerId Peer, string Why)> ProvenWrong(Func<SignedBeaconBlock, Bytes32> root)
    {
        var confirmed = AnswerOf("", root);
        foreach (var (peer, a) in Suspects)
            if (peer != Peer && (a.Count != confirmed.Count || a.LastRoot != confirmed.LastRoot))
                yield return (peer, a.Why);
    }

    private bool Redo(string? suspicion, Func<SignedBeaconBlock, Bytes32> root)
    {
        ProcessingAttempts++;
        FailedPeers.Add(Peer!);
        if (suspicion is not null) Suspects[Peer!] = AnswerOf(suspicion, root);
        return Retry(ProcessingAttempts >= MaxProcessingAttempts);
    }

    private Answer AnswerOf(string why, Func<SignedBeaconBlock, Bytes32> root) =>
        new(Blocks.Count, Blocks.Count == 0 ? default : root(Blocks[^1]), why);

    private bool Retry(bool exhausted)
    {
        Blocks = [];
        Peer = null;
        State = exhausted ? BatchState.Failed : BatchState.AwaitingDownload;
        return !exhausted;
    }

    private void Expect(BatchState s)
    {
        if (State != s) throw new InvalidOperationException($"batch [{StartSlot}, {EndSlot}] is {State}, not {s}");
    }

    public override string ToString() => $"[{StartSlot}, {EndSlot}] {State}";
}
