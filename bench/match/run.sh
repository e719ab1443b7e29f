#!/usr/bin/env bash
# Benchmark of the PDQ index (src/match/mih.c): 10 million random hashes,
# distance 31, random and near-duplicate queries on one core, checked
# against a linear scan. See README.md.
#
#   bash bench/match/run.sh [bench_match options]     e.g. --sweep, --n 1000000
#
# Environment (defaults in brackets):
#   BENCH_MATCH_BIN   the benchmark binary [build/bench_match]
#   MATCH_RUNS        how many times to run it [3]
#   MATCH_TIMEOUT     seconds one run may take before it is stopped [600]
#   MATCH_MEM_KB      virtual memory limit of a run, in kB [3145728 = 3 GiB]
#
# Exit status: 0 when every run's checked queries give the same result sets
# as the linear scan, 1 when one differs, 2 when the bench cannot run
# (including a run stopped by the timeout or the memory limit).
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${BENCH_MATCH_BIN:-$root/build/bench_match}
runs=${MATCH_RUNS:-3}
limit_s=${MATCH_TIMEOUT:-600}
mem_kb=${MATCH_MEM_KB:-3145728}

die() { echo "bench-match: $*" >&2; exit 2; }
[ -x "$bin" ] || die "no benchmark binary at $bin (cmake --build build --target bench_match, or set BENCH_MATCH_BIN)"
command -v timeout >/dev/null || die "timeout not found (coreutils)"

echo "bench-match: $bin, $runs run(s), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "bench-match: transparent huge pages: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unknown)"
summary=()
status=0
for i in $(seq 1 "$runs"); do
  echo
  echo "== run $i of $runs =="
  out=$(mktemp "${TMPDIR:-/tmp}/hotline-bench-match.XXXXXX")
  set +e
  (ulimit -v "$mem_kb" && exec timeout "$limit_s" "$bin" "$@") | tee "$out"
  rc=${PIPESTATUS[0]}
  set -e
  line=$(grep '^match: ' "$out" | tail -n 1 || true)
  rm -f "$out"
  case $rc in
    0) ;;
    1) status=1 ;;
    124) die "run $i took more than $limit_s s and was stopped" ;;
    *) die "run $i failed (exit status $rc)" ;;
  esac
  [ -n "$line" ] || die "run $i printed no summary line"
  summary+=("run $i: ${line#match: }")
done

echo
printf '%s\n' "${summary[@]}"
[ "$status" = 0 ] || echo "bench-match: a checked query gave a different result set from the linear scan" >&2
exit "$status"
