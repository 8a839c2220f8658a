using Cirrus.Ssz;

namespace Cirrus.Node.Eth1;

/// <summary>An eth1 block header, as far as the follower needs it.</summary>
public sealed record Eth1BlockHeader(ulong Number, Bytes32 Hash, Bytes32 ParentHash, ulong Timestamp);

/// <summary>A DepositEvent log of the deposit contract: where it sits and its undecoded ABI data.</summary>
public sealed record Eth1Log(ulong BlockNumber, ulong LogIndex, Bytes32 BlockHash, byte[] Data, bool Removed);

/// <summary>An eth1 endpoint failed, answered garbage, or contradicted the deposit contract.</summary>
public sealed class Eth1Exception(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The few eth1 JSON-RPC calls the follower makes. Every failure (transport, timeout, an error answer,
/// an answer that does not parse) is an <see cref="Eth1Exception"/>.
/// </summary>
public interface IEth1Rpc
{
    /// <summary>The endpoint, for logs (no credentials).</summary>
    string Name { get; }
    Task<ulong> GetChainIdAsync(CancellationToken ct);
    Task<ulong> GetBlockNumberAsync(CancellationToken ct);
    /// <summary>The block at <paramref name="number"/>, or null if the node does not have it.</summary>
    Task<Eth1BlockHeader?> GetBlockAsync(ulong number, CancellationToken ct);
    /// <summary>DepositEvent logs of <paramref name="contract"/> in blocks [from, to].</summary>
    Task<IReadOnlyList<Eth1Log>> GetDepositLogsAsync(byte[] contract, ulong from, ulong to, CancellationToken ct);
    /// <summary>The contract's get_deposit_root() and get_deposit_count() as of block <paramref name="block"/>.</summary>
    Task<(Bytes32 Root, ulong Count)> GetDepositRootAndCountAsync(byte[] contract, ulong block, CancellationToken ct);
}
