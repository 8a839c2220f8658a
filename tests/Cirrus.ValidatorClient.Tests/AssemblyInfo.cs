// The devnet tests are CPU-bound on a small shared machine: run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
