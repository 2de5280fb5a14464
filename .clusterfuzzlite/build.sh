#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script: builds the three cargo-fuzz targets and
# puts them, their seed corpora and the CPython 3.14 oracle into $OUT.
#
# The oracle is a private install of Debian's python3.14 packages (what
# `pyc-parity oracle install` does on any Debian/Ubuntu amd64 machine); the builder
# image is Ubuntu, so the Debian mirror is given explicitly. At run time the fuzz
# targets find it in $OUT/pyc-oracle (next to their executables), since the runner
# image only sees $OUT.
cd "$SRC/pyc-parity"

export PYC_ORACLE_CACHE="$OUT/pyc-oracle"
export PYC_ORACLE_DEBIAN_MIRROR="${PYC_ORACLE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The host build of the harness CLI must not see the fuzzing RUSTFLAGS of the image.
(unset RUSTFLAGS CFLAGS CXXFLAGS; cargo run --release -p pyc-parity -- oracle install)

# Seed corpora: corpus/ fixtures and regressions, plus the oracle's Lib/ for pyc_source.
(unset RUSTFLAGS CFLAGS CXXFLAGS; cargo run --release -p pyc-parity -- fuzz-seed --out "$WORK/seeds")

cargo fuzz build -O --debug-assertions
FUZZ_BIN=fuzz/target/x86_64-unknown-linux-gnu/release
# The known mismatches are not findings; outside a checkout the targets read this copy.
cp corpus/known-mismatches.txt "$OUT/"
for target in pyc_diff pyc_source marshal_roundtrip; do
    cp "$FUZZ_BIN/$target" "$OUT/"
    (cd "$WORK/seeds/$target" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
    # Generous per-input timeout: the first input also starts the oracle.
    printf '[libfuzzer]\ntimeout = 25\n' > "$OUT/$target.options"
done
