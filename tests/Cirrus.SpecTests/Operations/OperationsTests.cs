using Cirrus.Consensus.Signatures;
using Cirrus.Consensus.Transition.Block;
using Cirrus.Consensus.Types;
using static Cirrus.SpecTests.StateTransitionVectors;

namespace Cirrus.SpecTests.Operations;

public class OperationsTests
{
    public static IEnumerable<object[]> Attestation() => Both("operations/attestation");
    public static IEnumerable<object[]> AttesterSlashing() => Both("operations/attester_slashing");
    public static IEnumerable<object[]> BlockHeader() => Both("operations/block_header");
    public static IEnumerable<object[]> Deposit() => Both("operations/deposit");
    public static IEnumerable<object[]> ProposerSlashing() => Both("operations/proposer_slashing");
    public static IEnumerable<object[]> VoluntaryExit() => Both("operations/voluntary_exit");

    private static SignatureCollector? Collector(string dir) => Verifier(dir) is { } v ? new SignatureCollector(v) : null;

    [Theory, MemberData(nameof(Attestation))]
    public void attestation(string caseRow) => RunPrePost(caseRow, (cs, c, dir) =>
    {
        var sigs = Collector(dir);
        BlockProcessing.ProcessAttestation(cs, Load<Attestation>(c, dir, "attestation.ssz"), sigs);
        sigs?.VerifyAndClear(cs.State.Validators);
    });

    [Theory, MemberData(nameof(AttesterSlashing))]
    public void attester_slashing(string caseRow) => RunPrePost(caseRow, (cs, c, dir) =>
    {
        var sigs = Collector(dir);
        BlockProcessing.ProcessAttesterSlashing(cs, Load<AttesterSlashing>(c, dir, "attester_slashing.ssz"), sigs);
        sigs?.VerifyAndClear(cs.State.Validators);
    });

    [Theory, MemberData(nameof(BlockHeader))]
    public void block_header(string caseRow) => RunPrePost(caseRow, (cs, c, dir) =>
        BlockProcessing.ProcessBlockHeader(cs, Load<BeaconBlock>(c, dir, "block.ssz")));

    [Theory, MemberData(nameof(Deposit))]
    public void deposit(string caseRow) => RunPrePost(caseRow, (cs, c, dir) =>
    {
        var v = Verifier(dir);
        BlockProcessing.ProcessDeposit(cs, Load<Deposit>(c, dir, "deposit.ssz"), v, verifySignatures: v != null);
    });

    [Theory, MemberData(nameof(ProposerSlashing))]
    public void proposer_slashing(string caseRow) => RunPrePost(caseRow, (cs, c, dir) =>
    {
        var sigs = Collector(dir);
        BlockProcessing.ProcessProposerSlashing(cs, Load<ProposerSlashing>(c, dir, "proposer_slashing.ssz"), sigs);
        sigs?.VerifyAndClear(cs.State.Validators);
    });

    [Theory, MemberData(nameof(VoluntaryExit))]
    public void voluntary_exit(string caseRow) => RunPrePost(caseRow, (cs, c, dir) =>
    {
        var sigs = Collector(dir);
        BlockProcessing.ProcessVoluntaryExit(cs, Load<SignedVoluntaryExit>(c, dir, "voluntary_exit.ssz"), sigs);
        sigs?.VerifyAndClear(cs.State.Validators);
    });
}
