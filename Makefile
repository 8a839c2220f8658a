# Cirrus: every job has a target. `make test` is what CI runs.
.PHONY: all build test spec-tests devnet devnet-eth1 interop-lodestar bench-ssz bench-bls bench-p2p bench-import bench-sync fuzz fuzz-all fuzz-seed fuzz-diff clean

all: build

build:
	dotnet build BeaconNode.sln -c Release

spec-tests:
	scripts/fetch-spec-tests.sh

# the main job: a local devnet (1 beacon node + 2 validator clients, 64 interop validators); Ctrl-C stops it
devnet:
	dotnet run -c Release --project src/Cirrus.Cli -- devnet

# a devnet whose genesis comes from deposits to the deposit contract on a local ganache (installed into tests/eth1-ganache/)
devnet-eth1:
	CIRRUS_GANACHE=$$(scripts/setup-ganache.sh | tail -1) dotnet run -c Release --project src/Cirrus.Cli -- devnet --eth1

test:
	scripts/test.sh

# Lodestar 1.5.1 interop, REST API and p2p, both ways (installs it into tests/interop-lodestar/ first): about 10 minutes
interop-lodestar:
	scripts/setup-lodestar.sh
	dotnet test tests/Cirrus.Integration.Tests -c Release --filter 'FullyQualifiedName~Lodestar'

# SSZ benchmarks (decode, encode, hash_tree_root of the zinken genesis state and a 100k-validator state)
bench-ssz:
	dotnet run -c Release --project bench/Cirrus.Benchmarks -- --filter '*Ssz*'

# BLS against native blst (@chainsafe/blst from npm), same inputs, medians and ratios
bench-bls:
	scripts/bench-bls.sh

# gossip rate/latency and Noise throughput against js-libp2p, side by side
bench-p2p:
	scripts/bench-p2p.sh

# block import in range-sync segments (signatures on, RocksDB writes) against the BLS bound measured in the same run, and RSS:
# a light 16k-validator chain, then a heavy 100k-validator one (128 attestations per block); chains are generated once
bench-import:
	dotnet run -c Release --project bench/Cirrus.ImportBench -- --validators 16384 --epochs 6 --runs 5
	dotnet run -c Release --project bench/Cirrus.ImportBench -- --validators 100000 --epochs 4 --heavy --runs 3

# range sync of the same chain from a node on loopback (libp2p), against its local replay in the same run, and the syncing node's peak RSS
bench-sync:
	dotnet run -c Release --project bench/Cirrus.SyncBench -- --validators 16384 --epochs 6

# coverage-guided fuzzing under AFL++ (installs afl++ and SharpFuzz's instrumenter on first use); see fuzz/README.md
# make fuzz TARGET=block SECONDS=600: one target; prints executions, exec/s, paths, findings; findings go to fuzz/regressions/
fuzz:
	@[ -n "$(TARGET)" ] || { echo "usage: make fuzz TARGET=NAME [SECONDS=60]   (make fuzz-all SECONDS=N runs every target; dotnet run --project fuzz/Cirrus.Fuzz -- list names them)"; exit 2; }
	scripts/fuzz.sh $(TARGET) $(or $(SECONDS),60)

fuzz-all:
	scripts/fuzz.sh --all $(or $(SECONDS),60)

# rewrites fuzz/corpus/ (minimised per target) and fuzz/states/ from the spec vectors and the shared testnet files
fuzz-seed: spec-tests
	scripts/fuzz-seed.sh

# differential run against Lodestar 1.5.1's state transition (installed into tests/interop-lodestar/ first):
# CASES mutated blocks and operations (OPS: the share of single operations) on an interop chain, verdicts and
# post-state roots compared; mismatches to artifacts/fuzz-diff/ (see fuzz/README.md)
CASES ?= 100000
SEED ?= 1
OPS ?= 0.2
fuzz-diff:
	scripts/setup-lodestar.sh >/dev/null
	rm -rf artifacts/fuzz-diff
	dotnet run -c Release --project fuzz/Cirrus.Differential -- --cases $(CASES) --seed $(SEED) --operations $(OPS)

clean:
	dotnet clean BeaconNode.sln
	rm -rf artifacts
