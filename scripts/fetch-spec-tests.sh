#!/usr/bin/env bash
# Puts the official consensus-spec-tests v0.12.3 (phase0 parts) into consensus-spec-tests/.
# Idempotent: a second run sees the marker file and does nothing.
set -euo pipefail
VERSION=0.12.3
SHA1=c2b4157a74505423612e4ab48ee0ee8745655dff
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="${SPEC_TESTS_DIR:-$ROOT/consensus-spec-tests}"
MARKER="$DEST/.complete-$VERSION"
if [ -f "$MARKER" ]; then
  echo "spec tests v$VERSION already in $DEST"
  exit 0
fi
CACHE="${SPEC_TESTS_CACHE:-$ROOT/.cache}"
TGZ="$CACHE/chainsafe-eth2-spec-tests-$VERSION.tgz"
mkdir -p "$CACHE"
have_good_tarball() { [ -f "$TGZ" ] && [ "$(sha1sum "$TGZ" | cut -d' ' -f1)" = "$SHA1" ]; }
if ! have_good_tarball; then
  echo "fetching @chainsafe/eth2-spec-tests@$VERSION (about 130 MB)..."
  rm -f "$TGZ"
  # npm may report a buffer error after writing the file; the checksum below is the judge.
  (cd "$CACHE" && npm pack "@chainsafe/eth2-spec-tests@$VERSION" >/dev/null 2>&1) || true
  if ! have_good_tarball; then
    echo "error: $TGZ missing or its sha1 is not $SHA1" >&2
    exit 1
  fi
fi
echo "extracting phase0 vectors into $DEST..."
TMP="$DEST.partial"
rm -rf "$TMP"
mkdir -p "$TMP"
tar -xzf "$TGZ" -C "$TMP" --strip-components=2 \
  --wildcards 'package/tests/general/phase0/*' 'package/tests/minimal/phase0/*' \
  'package/tests/mainnet/phase0/*' 'package/tests/minimal/config/phase0.yaml' \
  'package/tests/mainnet/config/phase0.yaml'
# Drop the .yaml twins of .ssz files: the runner reads the .ssz ones.
find "$TMP" -path '*/ssz_static/*' -name value.yaml -delete
find "$TMP" -name '*.yaml' ! -name meta.yaml ! -name roots.yaml ! -name mapping.yaml ! -name data.yaml \
  ! -path '*/ssz_generic/*' ! -path '*/config/*' -print0 |
  while IFS= read -r -d "" y; do if [ -f "${y%.yaml}.ssz" ]; then rm -f "$y"; fi; done
rm -rf "$DEST"
mv "$TMP" "$DEST"
touch "$MARKER"
echo "spec tests v$VERSION ready in $DEST ($(du -sh "$DEST" | cut -f1))"
