#!/usr/bin/env bash
# Benchmark of image hashing (decode + PDQ, exact and fast modes, against
# the reference pipeline transcribed literally): bench/hash/bench_hash.c.
# See README.md.
#
#   bash bench/hash/run.sh [bench_hash options]   e.g. --quick, --write DIR
#
# Environment (defaults in brackets):
#   BENCH_HASH_BIN       the benchmark binary [build/bench_hash]
#   HOTLINE_SHARED_DIR   the shared folder holding pdq-vectors/ [../shared]
#   HASH_REPS            runs per image; the median is printed [7]
#
# Exit status: 0, or 1 when the exact hash differs from the reference
# pipeline's on a benchmark image or a reference image cannot be hashed,
# 2 when the bench cannot run.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

bin=${BENCH_HASH_BIN:-$root/build/bench_hash}
shared=${HOTLINE_SHARED_DIR:-$root/../shared}
reps=${HASH_REPS:-7}

die() { echo "bench-hash: $*" >&2; exit 2; }
[ -x "$bin" ] || die "no benchmark binary at $bin (build it first: cmake --build build, or set BENCH_HASH_BIN)"
[ -f "$shared/pdq-vectors/expected/fullres-noresize.csv" ] ||
  echo "bench-hash: no PDQ vectors in $shared/pdq-vectors: the fast mode's distance is not measured" >&2

echo "bench-hash: $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)"
exec "$bin" --vectors "$shared/pdq-vectors" --reps "$reps" "$@"
