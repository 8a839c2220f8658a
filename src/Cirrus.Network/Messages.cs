using Cirrus.Ssz;

namespace Cirrus.Network;

// spec v0.12.3 p2p-interface.md "The Req/Resp domain": the request and response containers.

public sealed class StatusMessage
{
    public Bytes4 ForkDigest { get; set; }
    public Bytes32 FinalizedRoot { get; set; }
    public ulong FinalizedEpoch { get; set; }
    public Bytes32 HeadRoot { get; set; }
    public ulong HeadSlot { get; set; }
}

public sealed class MetaData
{
    public ulong SeqNumber { get; set; }
    [SszVector(64)] public Bitvector Attnets { get; set; } = new(64);
}

public sealed class BeaconBlocksByRangeRequest
{
    public ulong StartSlot { get; set; }
    public ulong Count { get; set; }
    public ulong Step { get; set; }
}

public sealed class BeaconBlocksByRootRequest
{
    [SszList(P2pConstants.MaxRequestBlocks)] public List<Bytes32> Roots { get; set; } = [];
}

/// <summary>Constants of the phase0 p2p interface.</summary>
public static class P2pConstants
{
    /// <summary>MAX_REQUEST_BLOCKS.</summary>
    public const int MaxRequestBlocks = 1024;
    /// <summary>ATTESTATION_SUBNET_COUNT.</summary>
    public const int AttestationSubnetCount = 64;
    /// <summary>ATTESTATION_PROPAGATION_SLOT_RANGE.</summary>
    public const ulong AttestationPropagationSlotRange = 32;
    /// <summary>MAXIMUM_GOSSIP_CLOCK_DISPARITY.</summary>
    public static readonly TimeSpan MaximumGossipClockDisparity = TimeSpan.FromMilliseconds(500);
}

/// <summary>Goodbye reason codes (spec values, then the common client-defined ones).</summary>
public static class GoodbyeReason
{
    public const ulong ClientShutdown = 1;
    public const ulong IrrelevantNetwork = 2;
    public const ulong FaultOrError = 3;
    public const ulong UnableToVerifyNetwork = 128;
    public const ulong TooManyPeers = 129;
    public const ulong BadScore = 250;
    public const ulong Banned = 251;

    public static string Describe(ulong code) => code switch
    {
        ClientShutdown => "client shutdown",
        IrrelevantNetwork => "irrelevant network",
        FaultOrError => "fault/error",
        UnableToVerifyNetwork => "unable to verify network",
        TooManyPeers => "too many peers",
        BadScore => "bad score",
        Banned => "banned",
        _ => $"reason {code}",
    };
}
