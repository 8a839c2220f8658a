using Cirrus.Consensus.Config;
using Cirrus.Consensus.Eth1;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using Cirrus.Node.Eth1;
using Cirrus.Node.Production;
using Cirrus.Ssz;
using Cirrus.Storage;

namespace Cirrus.Node.Tests;

public class Eth1Tests
{
    private static readonly ChainConfig C = Interop.Config;
    private const ulong G = Interop.GenesisTime;
    private const ulong GenesisDepositBlock = 10, NewDepositBlock = 180;
    private static readonly Lazy<List<Deposit>> AllDeposits = new(() => InteropGenesis.Deposits(C, Interop.Count + 4));

    /// <summary>
    /// The interop genesis deposits in block 10 and four more in block 180, blocks every 14 s with block 200 at
    /// genesis time: block 180 (G - 280) is a candidate of the first voting period ([G - 448, G - 224]).
    /// </summary>
    private static FakeEth1Rpc NewEth1(string name = "fake-eth1")
    {
        var rpc = new FakeEth1Rpc(C, G - 200 * 14, 14, 259) { Name = name };
        var all = AllDeposits.Value;
        for (int i = 0; i < Interop.Count; i++) rpc.AddDeposit(GenesisDepositBlock, all[i].Data);
        for (int i = Interop.Count; i < all.Count; i++) rpc.AddDeposit(NewDepositBlock, all[i].Data);
        return rpc;
    }

    private static Eth1Follower NewFollower(BeaconStore? store, params IEth1Rpc[] endpoints) =>
        new(C, store, new Eth1FollowerOptions { Endpoints = endpoints, Now = () => DateTimeOffset.FromUnixTimeSeconds((long)G + 100), LogRange = 50 });

    private static string TempDir() => Directory.CreateTempSubdirectory("cirrus-eth1-").FullName;

    [Fact]
    public void DepositLogRoundTripsAndGarbageIsAClearError()
    {
        var d = AllDeposits.Value[3].Data;
        var bytes = DepositLog.Encode(d, 3);
        Assert.Equal(576, bytes.Length); // what the contract logs: 5 offsets, 5 length words, 48+32+8+96+8 padded
        var (parsed, index) = DepositLog.Parse(bytes);
        Assert.Equal(3UL, index);
        Assert.Equal(C.Schema.HashTreeRoot(d), C.Schema.HashTreeRoot(parsed));
        Assert.Throws<Eth1Exception>(() => DepositLog.Parse(bytes.AsSpan(0, 300)));
        var bad = (byte[])bytes.Clone();
        bad[5 * 32 + 31] = 47; // pubkey length 47
        Assert.Contains("expected 48", Assert.Throws<Eth1Exception>(() => DepositLog.Parse(bad)).Message);
        bad = (byte[])bytes.Clone();
        bad[0] = 1; // an offset beyond 32 bits
        Assert.Throws<Eth1Exception>(() => DepositLog.Parse(bad));
        var random = new byte[576];
        new Random(1).NextBytes(random);
        Assert.Throws<Eth1Exception>(() => DepositLog.Parse(random));
    }

    [Fact]
    public void ProofsAtAPastCountVerifyAgainstThatRoot()
    {
        var tree = new DepositTree();
        var roots = new List<Bytes32> { tree.Root() };
        for (int i = 0; i < 37; i++)
        {
            tree.Push(Bytes32.FromSpan(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))));
            roots.Add(tree.Root());
        }
        foreach (ulong count in new ulong[] { 1, 2, 5, 16, 17, 32, 37 })
        {
            int n = (int)Math.Min(count, 7);
            ulong from = count - (ulong)n;
            var proofs = tree.ProofsAt(count, from, n);
            for (int k = 0; k < n; k++)
            {
                Assert.True(Predicates.IsValidMerkleBranch(tree.Leaves[(int)from + k], proofs[k], ChainConfig.DepositContractTreeDepth + 1, from + (ulong)k, roots[(int)count]));
                Assert.False(Predicates.IsValidMerkleBranch(tree.Leaves[(int)from + k], proofs[k], ChainConfig.DepositContractTreeDepth + 1, from + (ulong)k, roots[(int)count - 1]));
            }
        }
        Assert.Equal(tree.Proof(36), tree.ProofsAt(37, 36, 1)[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => tree.ProofsAt(38, 0, 1));
    }

    private static BeaconState StateAt(ulong slot)
    {
        var s = C.Schema.Copy(Interop.Genesis);
        s.Slot = slot;
        return s;
    }

    private static FollowedEth1Block Block(ulong n, ulong ts, ulong count) => new(n, FakeEth1Rpc.HashOf(n), ts, FakeEth1Rpc.HashOf(1000 + count), count);

    [Fact]
    public void GetEth1VoteFollowsTheSpec()
    {
        var state = StateAt(5); // period start = G; candidates have timestamps in [G - 448, G - 224]
        // No candidate: the state's eth1_data.
        Assert.True(Eth1Voting.Same(state.Eth1Data, Eth1Voting.GetEth1Vote(C, state, [Block(1, G - 100, 64), Block(0, G - 500, 64)])));
        // No votes yet: the latest candidate.
        var chain = new List<FollowedEth1Block> { Block(1, G - 460, 64), Block(2, G - 440, 64), Block(3, G - 300, 65), Block(4, G - 224, 66), Block(5, G - 200, 70) };
        Assert.Equal(FakeEth1Rpc.HashOf(4), Eth1Voting.GetEth1Vote(C, state, chain).BlockHash);
        // Valid votes: the most frequent, ties to the earliest; a vote for a non-candidate does not count.
        state.Eth1DataVotes.Add(Eth1Voting.GetEth1Data(chain[4]));
        state.Eth1DataVotes.Add(Eth1Voting.GetEth1Data(chain[4]));
        state.Eth1DataVotes.Add(Eth1Voting.GetEth1Data(chain[2]));
        state.Eth1DataVotes.Add(Eth1Voting.GetEth1Data(chain[1]));
        Assert.Equal(FakeEth1Rpc.HashOf(3), Eth1Voting.GetEth1Vote(C, state, chain).BlockHash);
        state.Eth1DataVotes.Add(Eth1Voting.GetEth1Data(chain[1]));
        Assert.Equal(FakeEth1Rpc.HashOf(2), Eth1Voting.GetEth1Vote(C, state, chain).BlockHash);
        // A candidate whose deposit count is below the state's is never voted for.
        state.Eth1Data.DepositCount = 65;
        Assert.Equal(FakeEth1Rpc.HashOf(3), Eth1Voting.GetEth1Vote(C, state, chain).BlockHash);
    }

    [Fact]
    public async Task FollowerMatchesTheContractAndARestartResumesFromTheStoreWithoutRefetching()
    {
        var dir = TempDir();
        try
        {
            var rpc = NewEth1();
            using (var store = BeaconStore.Open(dir, C.Schema))
            {
                var f = NewFollower(store, rpc);
                await f.UpdateAsync(CancellationToken.None);
                var s = f.Status;
                Assert.True(s.Connected);
                Assert.Equal(68UL, s.DepositCount);
                Assert.Equal(243UL, s.FollowBlock);
                Assert.Equal(5, rpc.LogCalls); // blocks 0..243 in ranges of 50
                var chain = f.Eth1Chain();
                Assert.Equal(64UL, chain.Single(b => b.Number == 179).DepositCount);
                Assert.Equal(Interop.Genesis.Eth1Data.DepositRoot, chain.Single(b => b.Number == 179).DepositRoot);
                Assert.Equal(68UL, chain.Single(b => b.Number == 180).DepositCount);
            }
            rpc.Head = 262; // three new blocks while the node was down
            int logCalls = rpc.LogCalls, blockCalls = rpc.BlockCalls;
            using (var store = BeaconStore.Open(dir, C.Schema))
            {
                var f = NewFollower(store, rpc);
                Assert.Equal(68UL, f.Status.DepositCount); // from the store, before any call
                await f.UpdateAsync(CancellationToken.None);
                Assert.Equal(1, rpc.LogCalls - logCalls); // only the new range
                Assert.Equal(3, rpc.BlockCalls - blockCalls); // only the new headers
                Assert.Equal(246UL, f.Status.FollowBlock);
                Assert.Equal(68UL, f.Status.DepositCount);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public async Task LyingLogsAreRefusedAndAnHonestFallbackEndpointIsUsed()
    {
        var liar = NewEth1("liar");
        liar.TamperWithIndex = 66;
        var f = NewFollower(null, liar);
        await Assert.ThrowsAsync<Eth1Exception>(() => f.UpdateAsync(CancellationToken.None));
        Assert.Equal(64UL, f.Status.DepositCount); // ranges before the lie are kept, the lying range is not
        Assert.Equal(1L, f.Status.RefusedRanges);
        Assert.Contains("refusing deposit logs", f.Status.LastError);

        var both = NewFollower(null, liar, NewEth1("honest"));
        await both.UpdateAsync(CancellationToken.None);
        Assert.Equal(68UL, both.Status.DepositCount);
        Assert.Equal("honest", both.Status.Endpoint);
        Assert.Equal(Interop.Count + 4, (int)both.Status.DepositCount);
    }

    [Fact]
    public async Task DepositsAreVotedInIncludedWithValidProofsAndProcessed()
    {
        var f = NewFollower(null, NewEth1());
        await f.UpdateAsync(CancellationToken.None);
        var chain = Interop.NewChain();
        chain.Eth1 = f;
        ulong majority = C.EpochsPerEth1VotingPeriod * C.SlotsPerEpoch / 2 + 1; // 17
        for (ulong slot = 1; slot < majority; slot++)
        {
            var b = Interop.ProposeAndImport(chain, slot);
            Assert.Equal(68UL, b.Message.Body.Eth1Data.DepositCount);
            Assert.Empty(b.Message.Body.Deposits);
        }
        // The state before the deciding block: the proofs the node gives check with is_valid_merkle_branch and process_deposit.
        var pre = chain.GetCanonicalState(majority)!.Value.State;
        var vote = f.GetEth1Vote(pre.State);
        var after = Eth1Voting.Eth1DataAfterVote(C, pre.State, vote);
        Assert.Equal(68UL, after.DepositCount);
        var deposits = f.GetDeposits(pre.State, after);
        Assert.Equal(4, deposits.Count);
        var scratch = pre.Copy();
        scratch.State.Eth1Data = after;
        foreach (var d in deposits)
        {
            Assert.True(Predicates.IsValidMerkleBranch(C.Schema.HashTreeRoot(d.Data), d.Proof, ChainConfig.DepositContractTreeDepth + 1, scratch.State.Eth1DepositIndex, after.DepositRoot));
            BlockProcessing.ProcessDeposit(scratch, d, new Consensus.Signatures.BlsSignatureVerifier(), verifySignatures: true);
        }
        Assert.Equal(68, scratch.State.Validators.Count);

        var deciding = Interop.ProposeAndImport(chain, majority); // imported with every check, signatures included
        Assert.Equal(4, deciding.Message.Body.Deposits.Count);
        var head = chain.GetBlockState(chain.Head)!;
        Assert.Equal(68, head.Validators.Count);
        Assert.Equal(68UL, head.Eth1DepositIndex);
        Assert.Equal(C.MaxEffectiveBalance, head.Balances[67]);
        Assert.Equal(AllDeposits.Value[67].Data.Pubkey, head.Validators[67].Pubkey);
        // Nothing more is due.
        Assert.Empty(Interop.ProposeAndImport(chain, majority + 1).Message.Body.Deposits);
    }

    [Fact]
    public async Task ADeepEth1ReorgDropsTheCachedHeadersAndFollowsTheNewChain()
    {
        var rpc = NewEth1();
        var logs = new List<string>();
        var f = new Eth1Follower(C, null, new Eth1FollowerOptions { Endpoints = [rpc], Now = () => DateTimeOffset.FromUnixTimeSeconds((long)G + 100), Log = logs.Add });
        await f.UpdateAsync(CancellationToken.None);
        Assert.Equal(FakeEth1Rpc.HashOf(240), f.Eth1Chain().Single(b => b.Number == 240).Hash);
        rpc.ReorgFrom = 235;
        rpc.Head = 262;
        await f.UpdateAsync(CancellationToken.None); // sees block 244's parent is not the 243 it had
        Assert.Contains(logs, l => l.Contains("a reorg deeper than the follow distance"));
        await f.UpdateAsync(CancellationToken.None);
        var chain = f.Eth1Chain();
        Assert.NotEqual(FakeEth1Rpc.HashOf(240), chain.Single(b => b.Number == 240).Hash);
        Assert.Equal(FakeEth1Rpc.HashOf(200), chain.Single(b => b.Number == 200).Hash);
        Assert.Equal(246UL, chain[^1].Number);
        Assert.Equal(68UL, f.Status.DepositCount);
    }

    [Fact]
    public async Task EndpointDownMeansFallbackVotingAndProductionGoesOn()
    {
        var rpc = NewEth1();
        rpc.Down = true;
        var f = NewFollower(null, rpc);
        await Assert.ThrowsAsync<Eth1Exception>(() => f.UpdateAsync(CancellationToken.None));
        Assert.False(f.Status.Connected);
        Assert.Contains("unreachable", f.StatusText());
        var chain = Interop.NewChain();
        chain.Eth1 = f;
        var b = Interop.ProposeAndImport(chain, 1);
        Assert.True(Eth1Voting.Same(Interop.Genesis.Eth1Data, b.Message.Body.Eth1Data)); // the spec's fallback
    }

    [Fact]
    public void ANodeThatHasNotFollowedTheVotedDepositsRefusesToProposeRatherThanProposeBadProofs()
    {
        var f = NewFollower(null, NewEth1()); // never updated: no deposits known
        var state = C.Schema.Copy(Interop.Genesis);
        var voted = new Eth1Data { DepositCount = 68, DepositRoot = FakeEth1Rpc.HashOf(1), BlockHash = FakeEth1Rpc.HashOf(2) };
        Assert.Contains("cannot include deposits yet", Assert.Throws<NodeRequestException>(() => f.GetDeposits(state, voted)).Message);
    }

    [Fact]
    public async Task AForeignDepositRootIsRefused()
    {
        var f = NewFollower(null, NewEth1());
        await f.UpdateAsync(CancellationToken.None);
        var state = C.Schema.Copy(Interop.Genesis);
        var voted = new Eth1Data { DepositCount = 68, DepositRoot = FakeEth1Rpc.HashOf(1), BlockHash = FakeEth1Rpc.HashOf(2) };
        Assert.Contains("is not the followed contract's", Assert.Throws<NodeRequestException>(() => f.GetDeposits(state, voted)).Message);
    }
}

public class DepositContractArtifactTests
{
    [Fact]
    public void TheEmbeddedArtifactIsThePublishedOneAndNamesTheDepositFunctions()
    {
        Assert.StartsWith("0x60806040", DepositContract.Bytecode); // the artifact's sha256 is checked on load
        Assert.Contains("\"get_deposit_root\"", DepositContract.Abi);
        Assert.Contains("\"DepositEvent\"", DepositContract.Abi);
        Assert.Equal("c5f2892f", NethereumEth1Rpc.Selector("get_deposit_root()"));
        Assert.Equal("621fd130", NethereumEth1Rpc.Selector("get_deposit_count()"));
        Assert.Equal(DepositLog.DepositEventTopic[2..], Convert.ToHexStringLower(
            Nethereum.Util.Sha3Keccack.Current.CalculateHash(System.Text.Encoding.ASCII.GetBytes("DepositEvent(bytes,bytes,bytes,bytes,bytes)"))));
    }
}
