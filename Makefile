# Cirrus: every job has a target. `make test` is what CI runs.
.PHONY: all build test spec-tests bench-ssz bench-bls clean

all: build

build:
	dotnet build BeaconNode.sln -c Release

spec-tests:
	scripts/fetch-spec-tests.sh

test:
	scripts/test.sh

# SSZ benchmarks (decode, encode, hash_tree_root of the zinken genesis state and a 100k-validator state)
bench-ssz:
	dotnet run -c Release --project bench/Cirrus.Benchmarks -- --filter '*Ssz*'

bench-bls:
	scripts/bench-bls.sh

clean:
	dotnet clean BeaconNode.sln
	rm -rf artifacts
