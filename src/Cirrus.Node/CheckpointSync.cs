using System.Net.Http.Headers;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Types;
using Cirrus.Ssz;

namespace Cirrus.Node;

/// <summary>A checkpoint source that cannot be used; the message says why.</summary>
public sealed class CheckpointSyncException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Checkpoint (fast) sync: a trusted finalized state and its block, from files or from another
/// node's REST API (SSZ), checked to belong together before the chain starts from them.
/// </summary>
public static class CheckpointSync
{
    /// <summary>Largest state accepted from a remote node (a mainnet-sized phase0 state is far smaller).</summary>
    public const long MaxStateBytes = 1L << 30;

    /// <summary>Decodes and checks a checkpoint state and block.</summary>
    public static ChainAnchor FromSsz(ChainConfig config, byte[] stateSsz, byte[] blockSsz, string source)
    {
        BeaconState state;
        SignedBeaconBlock block;
        try { state = config.Schema.Deserialize<BeaconState>(stateSsz); }
        catch (SszException e) { throw new CheckpointSyncException($"{source}: the checkpoint state is not a valid {config.ConfigName} BeaconState: {e.Message}"); }
        try { block = config.Schema.Deserialize<SignedBeaconBlock>(blockSsz); }
        catch (SszException e) { throw new CheckpointSyncException($"{source}: the checkpoint block is not a valid SignedBeaconBlock: {e.Message}"); }
        var anchor = new ChainAnchor(state, block);
        try { BeaconChain.AnchorBlockRoot(config, anchor, out _); }
        catch (BlockImportException e) { throw new CheckpointSyncException($"{source}: {e.Message}"); }
        return anchor;
    }

    /// <summary>
    /// Downloads the finalized state (debug/beacon/states/finalized) and block
    /// (beacon/blocks/finalized) from a node's REST API as SSZ.
    /// </summary>
    public static async Task<ChainAnchor> DownloadAsync(ChainConfig config, Uri baseUrl, Action<string>? log, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5), MaxResponseContentBufferSize = MaxStateBytes };
        log?.Invoke($"checkpoint sync: downloading the finalized state from {baseUrl}");
        byte[] state = await GetSsz(http, new Uri(baseUrl, "eth/v1/debug/beacon/states/finalized"), ct);
        log?.Invoke($"checkpoint sync: state {state.Length / 1024} KiB; downloading its block");
        byte[] block = await GetSsz(http, new Uri(baseUrl, "eth/v1/beacon/blocks/finalized"), ct);
        return FromSsz(config, state, block, baseUrl.ToString());
    }

    private static async Task<byte[]> GetSsz(HttpClient http, Uri url, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, url);
        req.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/octet-stream"));
        try
        {
            using var resp = await http.SendAsync(req, ct);
            if (!resp.IsSuccessStatusCode)
                throw new CheckpointSyncException($"{url}: HTTP {(int)resp.StatusCode} {resp.ReasonPhrase}");
            if (resp.Content.Headers.ContentType?.MediaType != "application/octet-stream")
                throw new CheckpointSyncException($"{url}: the node did not answer with SSZ (content type {resp.Content.Headers.ContentType?.MediaType ?? "none"})");
            return await resp.Content.ReadAsByteArrayAsync(ct);
        }
        catch (HttpRequestException e)
        {
            throw new CheckpointSyncException($"{url}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new CheckpointSyncException($"{url}: timed out", e);
        }
    }
}
