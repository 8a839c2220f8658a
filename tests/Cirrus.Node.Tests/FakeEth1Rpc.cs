using System.Security.Cryptography;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Types;
using Cirrus.Node.Eth1;
using Cirrus.Ssz;

namespace Cirrus.Node.Tests;

/// <summary>
/// An in-memory eth1 chain with a deposit contract, answering as an eth1 node would: blocks at a fixed
/// interval, DepositEvent logs and the contract's root and count at any block. It can be down or lie.
/// </summary>
public sealed class FakeEth1Rpc(ChainConfig config, ulong firstTimestamp, ulong secondsPerBlock, ulong head) : IEth1Rpc
{
    private readonly List<(ulong Block, DepositData Data)> _deposits = [];
    public string Name { get; init; } = "fake-eth1";
    public ulong Head { get; set; } = head;
    public bool Down { get; set; }
    /// <summary>When set, logs come back with this deposit's amount changed (the contract's root does not).</summary>
    public ulong? TamperWithIndex { get; set; }
    public int LogCalls, BlockCalls, Calls;

    public void AddDeposit(ulong block, DepositData data) => _deposits.Add((block, data));

    public static Bytes32 HashOf(ulong number) => HashOf(number, (byte)0);

    /// <summary>Blocks from this number on are another chain's (a reorg).</summary>
    public ulong ReorgFrom { get; set; } = ulong.MaxValue;

    private Bytes32 Hash(ulong number) => HashOf(number, (byte)(number >= ReorgFrom ? 1 : 0));

    private static Bytes32 HashOf(ulong number, byte fork)
    {
        var b = new byte[9];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(b, number);
        b[8] = fork;
        return Bytes32.FromSpan(SHA256.HashData(fork == 0 ? b.AsSpan(0, 8) : b));
    }

    public ulong TimestampOf(ulong number) => firstTimestamp + number * secondsPerBlock;

    private void Enter()
    {
        Calls++;
        if (Down) throw new Eth1Exception($"{Name}: connection refused");
    }

    public Task<ulong> GetChainIdAsync(CancellationToken ct) { Enter(); return Task.FromResult(config.DepositChainId); }
    public Task<ulong> GetBlockNumberAsync(CancellationToken ct) { Enter(); return Task.FromResult(Head); }

    public Task<Eth1BlockHeader?> GetBlockAsync(ulong number, CancellationToken ct)
    {
        Enter();
        BlockCalls++;
        return Task.FromResult(number > Head ? null : new Eth1BlockHeader(number, Hash(number), number == 0 ? default : Hash(number - 1), TimestampOf(number)));
    }

    public Task<IReadOnlyList<Eth1Log>> GetDepositLogsAsync(byte[] contract, ulong from, ulong to, CancellationToken ct)
    {
        Enter();
        LogCalls++;
        var logs = new List<Eth1Log>();
        for (int i = 0; i < _deposits.Count; i++)
        {
            var (block, data) = _deposits[i];
            if (block < from || block > to || block > Head) continue;
            var d = data;
            if (TamperWithIndex == (ulong)i)
                d = new DepositData { Pubkey = data.Pubkey, WithdrawalCredentials = data.WithdrawalCredentials, Amount = data.Amount + 1, Signature = data.Signature };
            logs.Add(new Eth1Log(block, (ulong)i, HashOf(block), DepositLog.Encode(d, (ulong)i), false));
        }
        return Task.FromResult((IReadOnlyList<Eth1Log>)logs);
    }

    public Task<(Bytes32 Root, ulong Count)> GetDepositRootAndCountAsync(byte[] contract, ulong block, CancellationToken ct)
    {
        Enter();
        var tree = new DepositTree();
        foreach (var (b, data) in _deposits)
            if (b <= block) tree.Push(config.Schema.HashTreeRoot(data));
        return Task.FromResult((tree.Root(), tree.Count));
    }
}
