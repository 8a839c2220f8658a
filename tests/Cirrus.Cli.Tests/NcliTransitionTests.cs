namespace Cirrus.Cli.Tests;

/// <summary>ncli transition / slots against the official sanity vectors.</summary>
public class NcliTransitionTests
{
    private static string Vectors
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                string c = Path.Combine(d.FullName, "consensus-spec-tests");
                if (File.Exists(Path.Combine(c, ".complete-0.12.3"))) return c;
            }
            throw new InvalidOperationException("consensus-spec-tests missing: run scripts/fetch-spec-tests.sh");
        }
    }

    private static string Case(string rel) => Path.Combine(Vectors, rel);

    private static string Temp() => Path.Combine(Path.GetTempPath(), "cirrus-ncli-" + Guid.NewGuid().ToString("N") + ".ssz");

    public static IEnumerable<object[]> SlotCases() =>
        new[] { "double_empty_epoch", "empty_epoch", "over_epoch_boundary", "slots_1", "slots_2" }.Select(n => new object[] { n });

    [Theory, MemberData(nameof(SlotCases))]
    public void SlotsMatchesSanityVector(string name)
    {
        string dir = Case("minimal/phase0/sanity/slots/pyspec_tests/" + name);
        ulong slots = File.Exists(Path.Combine(dir, "slots.ssz"))
            ? BitConverter.ToUInt64(File.ReadAllBytes(Path.Combine(dir, "slots.ssz")))
            : ulong.Parse(File.ReadAllText(Path.Combine(dir, "slots.yaml")).Replace("...", "").Trim());
        string post = Temp();
        try
        {
            var (code, _, err) = Cli.Run("ncli", "slots", "--preset", "minimal", "--pre", Path.Combine(dir, "pre.ssz"),
                "--slots", slots.ToString(), "--post", post);
            Assert.True(code == 0, err);
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "post.ssz")), File.ReadAllBytes(post));
        }
        finally { File.Delete(post); }
    }

    public static IEnumerable<object[]> BlockCases() =>
        new[] { "attestation", "deposit_in_block", "proposer_slashing", "attester_slashing", "voluntary_exit", "skipped_slots", "historical_batch" }
            .Select(n => new object[] { n });

    [Theory, MemberData(nameof(BlockCases))]
    public void TransitionMatchesSanityVector(string name)
    {
        string dir = Case("minimal/phase0/sanity/blocks/pyspec_tests/" + name);
        var blocks = Directory.GetFiles(dir, "blocks_*.ssz").OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[7..])).ToArray();
        string post = Temp();
        try
        {
            var args = new List<string> { "ncli", "transition", "--preset", "minimal", "--pre", Path.Combine(dir, "pre.ssz"), "--post", post, "--no-verify" };
            args.AddRange(blocks);
            var (code, _, err) = Cli.Run([.. args]);
            Assert.True(code == 0, err);
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "post.ssz")), File.ReadAllBytes(post));
        }
        finally { File.Delete(post); }
    }

    [Theory]
    [InlineData("invalid_state_root", "state root")]
    [InlineData("parent_from_same_slot", "slot")]
    [InlineData("prev_slot_block_transition", "slot")]
    public void InvalidBlockGivesOneLineAndExitCode1(string name, string mentions)
    {
        string dir = Case("minimal/phase0/sanity/blocks/pyspec_tests/" + name);
        Assert.False(File.Exists(Path.Combine(dir, "post.ssz")));
        var blocks = Directory.GetFiles(dir, "blocks_*.ssz").OrderBy(f => f, StringComparer.Ordinal).ToArray();
        string post = Temp();
        var args = new List<string> { "ncli", "transition", "--preset", "minimal", "--pre", Path.Combine(dir, "pre.ssz"), "--post", post, "--no-verify" };
        args.AddRange(blocks);
        var (code, output, err) = Cli.Run([.. args]);
        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("error: block ", err);
        Assert.Contains(mentions, err);
        Assert.False(File.Exists(post));
    }

    [Theory]
    [InlineData("18446744073709551615")]
    [InlineData("1048577")]
    public void AbsurdSlotCountsAreRefusedWithoutForce(string slots)
    {
        string pre = Case("minimal/phase0/sanity/slots/pyspec_tests/slots_1/pre.ssz");
        string post = Temp();
        var (code, output, err) = Cli.Run("ncli", "slots", "--preset", "minimal", "--pre", pre, "--slots", slots, "--post", post);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains("--force", err);
        Assert.False(File.Exists(post));
    }

    [Fact]
    public void ABlockFarPastItsPreStateIsRefusedWithoutForce()
    {
        string dir = Case("minimal/phase0/sanity/blocks/pyspec_tests/attestation");
        // SignedBeaconBlock SSZ: a 4-byte offset to the message, whose first field is the slot.
        byte[] block = File.ReadAllBytes(Path.Combine(dir, "blocks_0.ssz"));
        int message = BitConverter.ToInt32(block, 0);
        BitConverter.TryWriteBytes(block.AsSpan(message, 8), ulong.MaxValue / 2);
        string far = Temp(), post = Temp();
        File.WriteAllBytes(far, block);
        try
        {
            var (code, _, err) = Cli.Run("ncli", "transition", "--preset", "minimal", "--pre", Path.Combine(dir, "pre.ssz"), "--post", post, "--no-verify", far);
            Assert.Equal(2, code);
            Assert.Single(err.TrimEnd('\n').Split('\n'));
            Assert.Contains("block 1", err);
            Assert.Contains("--force", err);
            Assert.False(File.Exists(post));
        }
        finally { File.Delete(far); }
    }

    [Fact]
    public void UnknownPresetAndBadFilesAreOneLineErrors()
    {
        var (code, _, err) = Cli.Run("ncli", "slots", "--preset", "nosuch", "--pre", "x.ssz", "--slots", "1", "--post", Temp());
        Assert.Equal(2, code);
        Assert.Contains("unknown preset", err);

        (code, _, err) = Cli.Run("ncli", "slots", "--preset", "minimal", "--pre", "/nonexistent/pre.ssz", "--slots", "1", "--post", Temp());
        Assert.Equal(1, code);
        Assert.Contains("file not found", err);

        string junk = Temp();
        File.WriteAllBytes(junk, [1, 2, 3]);
        try
        {
            (code, _, err) = Cli.Run("ncli", "transition", "--preset", "minimal", "--pre", junk, "--post", Temp(), "--no-verify", junk);
            Assert.Equal(1, code);
            Assert.Contains("not a valid SSZ BeaconState", err);
            Assert.Single(err.TrimEnd('\n').Split('\n'));
        }
        finally { File.Delete(junk); }
    }
}

public class NcliTransitionSignatureTests
{
    private static string Dir(string name)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string c = Path.Combine(d.FullName, "consensus-spec-tests");
            if (File.Exists(Path.Combine(c, ".complete-0.12.3"))) return Path.Combine(c, "minimal/phase0/sanity/blocks/pyspec_tests", name);
        }
        throw new InvalidOperationException("consensus-spec-tests missing: run scripts/fetch-spec-tests.sh");
    }

    private static (int, string, string, string) Transition(string name, bool verify)
    {
        string dir = Dir(name);
        string post = Path.Combine(Path.GetTempPath(), "cirrus-ncli-" + Guid.NewGuid().ToString("N") + ".ssz");
        var args = new List<string> { "ncli", "transition", "--preset", "minimal", "--pre", Path.Combine(dir, "pre.ssz"), "--post", post };
        if (!verify) args.Add("--no-verify");
        args.AddRange(Directory.GetFiles(dir, "blocks_*.ssz").OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[7..])));
        var (code, o, e) = Cli.Run([.. args]);
        return (code, o, e, post);
    }

    [Fact]
    public void VerifiesRealSignatures()
    {
        var (code, _, err, post) = Transition("proposer_slashing", verify: true);
        try
        {
            Assert.True(code == 0, err);
            Assert.Equal(File.ReadAllBytes(Path.Combine(Dir("proposer_slashing"), "post.ssz")), File.ReadAllBytes(post));
        }
        finally { File.Delete(post); }
    }

    [Theory]
    [InlineData("invalid_block_sig", "block proposer signature")]
    [InlineData("zero_block_sig", "block proposer signature")]
    public void BadSignatureIsExitCode1WithReason(string name, string reason)
    {
        var (code, _, err, post) = Transition(name, verify: true);
        Assert.Equal(1, code);
        Assert.Single(err.TrimEnd('\n').Split('\n'));
        Assert.Contains(reason, err);
        Assert.False(File.Exists(post));
    }
}
