using Cirrus.Api.Types;
using Cirrus.Consensus.Config;
using Cirrus.Consensus.Genesis;
using Cirrus.Consensus.Helpers;
using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition;
using Cirrus.Consensus.Types;
using Cirrus.Crypto;
using Cirrus.Node;
using Cirrus.Ssz;

namespace Cirrus.Api.Tests;

/// <summary>
/// 64 interop validators driven only through BeaconApiClient over HTTP against a node that checks
/// every signature, on simulated time: duties, block production, signing, attestations and
/// aggregates, until the chain finalizes.
/// </summary>
public class DevnetThroughApiTests
{
    private const int ValidatorCount = 64;
    private const ulong GenesisTime = 1_600_000_000;

    private sealed class Signer(ChainConfig config, GenesisData genesis, Fork fork)
    {
        public Bytes32 Domain(Bytes4 type, ulong epoch) =>
            Misc.ComputeDomain(config, type, epoch < fork.Epoch ? fork.PreviousVersion : fork.CurrentVersion, genesis.GenesisValidatorsRoot);

        public static Bytes96 Sign(BlsSecretKey key, Bytes32 root) => Bytes96.FromSpan(key.Sign(root.AsSpan()).ToBytes());
    }

    [Fact]
    public async Task InteropValidatorsFinalizeThroughTheApi()
    {
        var config = Networks.Preset("minimal")!;
        ulong spe = config.SlotsPerEpoch;
        var keys = new BlsSecretKey[ValidatorCount];
        Parallel.For(0, ValidatorCount, i => keys[i] = InteropGenesis.SecretKey((ulong)i));
        var chain = new BeaconChain(config, InteropGenesis.CreateGenesisState(config, ValidatorCount, GenesisTime), new BlsSignatureVerifier());
        await using var api = new BeaconApi(chain, "127.0.0.1", 0);
        await api.StartAsync();
        using var client = new BeaconApiClient(new Uri($"http://127.0.0.1:{api.Port}"), config, TimeSpan.FromSeconds(60));

        // What a validator client learns at start-up.
        var genesis = await client.GetGenesisAsync();
        var fork = await client.GetForkAsync("head");
        var spec = await client.GetSpecAsync();
        Assert.Equal(spe.ToString(), spec["SLOTS_PER_EPOCH"]);
        var pubkeys = keys.Select(k => Bytes48.FromSpan(k.PublicKey.ToBytes())).ToArray();
        var entries = await client.GetValidatorsAsync("head", pubkeys.Select(p => p.ToString()));
        Assert.Equal(ValidatorCount, entries.Count);
        var keyOf = entries.ToDictionary(e => e.Index, e => keys[Array.IndexOf(pubkeys, e.Validator.Pubkey)]);
        var signer = new Signer(config, genesis, fork);

        var proposers = new Dictionary<ulong, ulong>();
        var attesters = new List<AttesterDuty>();
        ulong finalized = 0;
        ulong lastSlot = 0;
        int aggregatesPosted = 0;
        for (ulong slot = 1; slot <= 12 * spe && finalized < 3; slot++)
        {
            chain.OnTick(GenesisTime + slot * config.SecondsPerSlot);
            ulong epoch = slot / spe;
            if (slot % spe == 0 || slot == 1)
            {
                var pd = await client.GetProposerDutiesAsync(epoch);
                Assert.Equal((int)spe, pd.Items.Count);
                foreach (var d in pd.Items) proposers[d.Slot] = d.ValidatorIndex;
                var ad = await client.GetAttesterDutiesAsync(epoch, keyOf.Keys);
                Assert.Equal(ValidatorCount, ad.Items.Count); // every validator attests once per epoch
                attesters = ad.Items.ToList();
                await client.SubscribeToBeaconCommitteesAsync(attesters.Select(d => new BeaconCommitteeSubscription
                {
                    ValidatorIndex = d.ValidatorIndex, CommitteeIndex = d.CommitteeIndex, CommitteesAtSlot = d.CommitteesAtSlot,
                    Slot = d.Slot, IsAggregator = false,
                }));
            }

            // Propose.
            ulong proposer = proposers[slot];
            var key = keyOf[proposer];
            var reveal = Signer.Sign(key, Misc.ComputeSigningRoot(config, Misc.EpochRoot(epoch), signer.Domain(config.DomainRandao, epoch)));
            var graffiti = Bytes32.FromSpan(System.Text.Encoding.ASCII.GetBytes("cirrus devnet test".PadRight(32, '\0')));
            var block = await client.ProduceBlockAsync(slot, reveal, graffiti);
            Assert.Equal(proposer, block.ProposerIndex);
            Assert.Equal(graffiti, block.Body.Graffiti);
            var signedBlock = new SignedBeaconBlock
            {
                Message = block,
                Signature = Signer.Sign(key, Misc.ComputeSigningRoot(config, block, signer.Domain(config.DomainBeaconProposer, epoch))),
            };
            await client.PublishBlockAsync(signedBlock);
            Assert.Equal(config.Schema.HashTreeRoot(block), await client.GetBlockRootAsync("head"));
            if (slot > 2) Assert.NotEmpty(block.Body.Attestations); // the previous slot's votes get in

            // Attest: one attestation_data per committee, one signature per validator, posted as one batch.
            var attestations = new List<Attestation>();
            var dataByCommittee = new Dictionary<ulong, AttestationData>();
            foreach (var duty in attesters.Where(d => d.Slot == slot))
            {
                if (!dataByCommittee.TryGetValue(duty.CommitteeIndex, out var data))
                    dataByCommittee[duty.CommitteeIndex] = data = await client.GetAttestationDataAsync(slot, duty.CommitteeIndex);
                Assert.Equal(signedBlock.Message.Slot, slot);
                Assert.Equal(config.Schema.HashTreeRoot(block), data.BeaconBlockRoot);
                var bits = new Bitlist((int)duty.CommitteeLength);
                bits[(int)duty.ValidatorCommitteeIndex] = true;
                var root = Misc.ComputeSigningRoot(config, data, signer.Domain(config.DomainBeaconAttester, data.Target.Epoch));
                attestations.Add(new Attestation { AggregationBits = bits, Data = data, Signature = Signer.Sign(keyOf[duty.ValidatorIndex], root) });
            }
            await client.SubmitAttestationsAsync(attestations);

            // Aggregate: the first selected member of each committee publishes the node's best aggregate.
            var aggregates = new List<SignedAggregateAndProof>();
            foreach (var group in attesters.Where(d => d.Slot == slot).GroupBy(d => d.CommitteeIndex))
            {
                foreach (var duty in group.OrderBy(d => d.ValidatorCommitteeIndex))
                {
                    var k = keyOf[duty.ValidatorIndex];
                    var proof = Signer.Sign(k, ValidatorHelpers.SlotSigningRoot(config, slot, signer.Domain(config.DomainSelectionProof, epoch)));
                    if (!ValidatorHelpers.IsAggregator(config, (int)duty.CommitteeLength, proof)) continue;
                    var data = dataByCommittee[duty.CommitteeIndex];
                    var aggregate = await client.GetAggregateAttestationAsync(config.Schema.HashTreeRoot(data), slot);
                    Assert.Equal((int)duty.CommitteeLength, aggregate.AggregationBits.PopCount()); // the whole committee, aggregated
                    var message = new AggregateAndProof { AggregatorIndex = duty.ValidatorIndex, Aggregate = aggregate, SelectionProof = proof };
                    aggregates.Add(new SignedAggregateAndProof
                    {
                        Message = message,
                        Signature = Signer.Sign(k, Misc.ComputeSigningRoot(config, message, signer.Domain(config.DomainAggregateAndProof, epoch))),
                    });
                    break;
                }
            }
            await client.SubmitAggregateAndProofsAsync(aggregates);
            aggregatesPosted += aggregates.Count;

            finalized = (await client.GetFinalityCheckpointsAsync("head")).Finalized.Epoch;
            lastSlot = slot;
        }

        Assert.True(finalized >= 3, $"finalized epoch {finalized} after {lastSlot} slots");
        Assert.True(aggregatesPosted > 0);
        Assert.Equal(200, await client.GetHealthAsync());
        var sync = await client.GetSyncingAsync();
        Assert.Equal(lastSlot, sync.HeadSlot);

        // Participation: the head state's pending attestations of the previous epoch cover every validator.
        var (_, state) = chain.GetCanonicalState(lastSlot)!.Value;
        var attested = new HashSet<ulong>();
        foreach (var p in state.State.PreviousEpochAttestations)
        {
            Assert.Equal(state.PreviousEpoch, p.Data.Target.Epoch);
            Assert.Equal(1UL, p.InclusionDelay); // every vote made it into the next block
            attested.UnionWith(BeaconStateAccessors.GetAttestingIndices(state, p.Data, p.AggregationBits));
        }
        Assert.Equal(ValidatorCount, attested.Count);
        foreach (var k in keys) k.Dispose();
    }
}
