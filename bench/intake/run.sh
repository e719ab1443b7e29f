#!/usr/bin/env bash
# Benchmark of durable report intake over HTTP: POST /api/v1/reports with
# wrk (Debian package) and bench/intake/report.lua. See README.md.
#
#   bash bench/intake/run.sh            (make bench-intake)
#
# Environment (defaults in brackets):
#   HOTLINE_BIN          server binary [build/hotline]
#   INTAKE_THREADS       wrk threads [1]
#   INTAKE_CONNECTIONS   wrk connections [512]
#   INTAKE_DURATION      length of each run [10s]
#   INTAKE_RATE          target of the rate-limited run, requests/s [5000]
#   INTAKE_TIMEOUT       wrk's socket timeout [10s]
#   INTAKE_PACING        schedule | fixed: how report.lua paces run 2 [schedule]
#   HOTLINE_SERVE_ARGS   extra arguments to `hotline serve` (e.g. --threads 4)
#   INTAKE_URLS          distinct URLs named by the reports [0: one per report
#                        of report.lua's pool, 4,096 per wrk thread];
#                        bench/items sets 5,000
#   INTAKE_KEEP=1        keep the temporary data folder (its path is printed)
#   INTAKE_BARE          1: then run the same wrk against bench_bare_mhd (a bare
#                        libmicrohttpd answer, the machine's reference) and print
#                        intake as a share of it; 0: skip [1]
#   INTAKE_BARE_BIN      that binary [build/bench_bare_mhd, beside HOTLINE_BIN]
#
# Exit status: 0 when every 201 answer is stored (stored >= acked, and at
# most the requests in flight when wrk stopped on top), 1 otherwise, 2 when
# the bench cannot run.
set -euo pipefail
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

bin=${HOTLINE_BIN:-$root/build/hotline}
bare_bin=${INTAKE_BARE_BIN:-$(dirname "$bin")/bench_bare_mhd}
threads=${INTAKE_THREADS:-1}
conns=${INTAKE_CONNECTIONS:-512}
duration=${INTAKE_DURATION:-10s}
rate=${INTAKE_RATE:-5000}
timeout=${INTAKE_TIMEOUT:-10s}
lua=${INTAKE_LUA:-$here/report.lua}  # bench/items passes its own

die() { echo "bench-intake: $*" >&2; exit 2; }
[ -x "$bin" ] || die "no server binary at $bin (build it first, or set HOTLINE_BIN)"
command -v wrk >/dev/null || die "wrk not found (Debian package wrk)"
[ "$conns" -ge "$threads" ] || die "INTAKE_CONNECTIONS ($conns) must be >= INTAKE_THREADS ($threads)"

work=$(mktemp -d "${TMPDIR:-/tmp}/hotline-bench-intake.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "${INTAKE_KEEP:-0}" = 1 ]; then
    echo "bench-intake: data kept in $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 2' INT TERM

# --- start the server on free ports (API.md: public/console/ready lines) ---
# Run a copy, so that relinking build/hotline during the bench neither
# fails (text file busy) nor changes the binary under test.
cp "$bin" "$work/hotline"
mkfifo "$work/stdout"
# shellcheck disable=SC2086
"$work/hotline" serve --data "$work/var" --listen 127.0.0.1:0 --console-listen 127.0.0.1:0 \
  ${HOTLINE_SERVE_ARGS:-} >"$work/stdout" 2>"$work/server.log" &
server_pid=$!
exec 3<"$work/stdout"

public="" console="" ready=""
deadline=$((SECONDS + 20))
while [ -z "$ready" ]; do
  if ! IFS= read -r -t 1 line <&3; then
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "server exited before ready"; }
    [ "$SECONDS" -lt "$deadline" ] || { cat "$work/server.log" >&2; die "server not ready in 20 s"; }
    continue
  fi
  case $line in
    "public http://"*) public=${line#public } ;;
    "console http://"*) console=${line#console } ;;
    ready) ready=1 ;;
    *) echo "bench-intake: unexpected server output: $line" >&2 ;;
  esac
done
if [ -z "$public" ] || [ -z "$console" ]; then die "server said ready without public/console lines"; fi
# Keep draining the server's stdout so it never blocks on a full pipe.
cat <&3 >>"$work/server.stdout" &
exec 3<&-
public=${public%/}

echo "bench-intake: server $bin at $public, data $work/var"
echo "bench-intake: wrk -t$threads -c$conns -d$duration, then at $rate requests/s"
echo "bench-intake: $(nproc) CPUs shared by server and wrk"

# --- one wrk run; prints wrk's report and keeps the Lua summary line -------
acked_total=0
declare -A result
wrk_run() {  # label target-rate(0=unlimited)
  local label=$1 r=$2 out
  out=$(INTAKE_RUN="$label-$$" INTAKE_RATE="$r" INTAKE_CONNECTIONS="$conns" INTAKE_THREADS="$threads" \
    wrk -t"$threads" -c"$conns" -d"$duration" --timeout "$timeout" --latency \
    -s "$lua" "$public")
  echo "$out" | sed 's/^/  /'
  local sum
  sum=$(echo "$out" | grep '^intake-lua: ' | tail -n 1)
  [ -n "$sum" ] || die "no summary line from report.lua"
  result=()
  local kv
  for kv in ${sum#intake-lua: }; do result[${kv%%=*}]=${kv#*=}; done
  acked_total=$((acked_total + ${result[acked]}))
}

echo
echo "== run 1: as fast as possible =="
wrk_run max 0
result_max_rps=${result[acked_rps]}
line1=$(printf 'intake: %.0f reports/s, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, non-201 %d, socket errors %d' \
  "${result[acked_rps]}" "${result[p50_ms]}" "${result[p90_ms]}" "${result[p99_ms]}" \
  "${result[non201]}" "${result[socket_errors]}")
[ "${result[other_statuses]}" = - ] || line1="$line1 (statuses ${result[other_statuses]})"

echo
echo "== run 2: rate-limited to $rate requests/s (Lua delay(), ${INTAKE_PACING:-schedule} pacing) =="
wrk_run rate "$rate"
line2=$(printf 'intake@%s/s: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, achieved %.0f reports/s, non-201 %d, socket errors %d' \
  "$rate" "${result[p50_ms]}" "${result[p90_ms]}" "${result[p99_ms]}" \
  "${result[acked_rps]}" "${result[non201]}" "${result[socket_errors]}")
[ "${result[other_statuses]}" = - ] || line2="$line2 (statuses ${result[other_statuses]})"

# --- stop the server, then count what is stored ----------------------------
server_died=""
if kill -0 "$server_pid" 2>/dev/null; then
  kill -TERM "$server_pid"
  wait "$server_pid" 2>/dev/null || true
else
  status=0
  wait "$server_pid" 2>/dev/null || status=$?
  server_died="server exited during the bench (wait status $status)"
  echo "bench-intake: $server_died; last lines of its stderr:" >&2
  tail -n 20 "$work/server.log" >&2
fi
server_pid=""

db=$work/var/hotline.db
[ -f "$db" ] || die "no database at $db"
query="SELECT count(*) FROM reports"
if command -v sqlite3 >/dev/null; then
  stored=$(sqlite3 "$db" "$query")
else
  stored=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$query")
fi

# --- the machine's reference: a bare libmicrohttpd answer, same wrk --------
# Issue 2 sets the target beside "a bare libmicrohttpd handler that answers
# a POST with a fixed 201 ... about 130,000 requests per second here under
# the same wrk"; this machine's speed drifts, so measure that here and now.
line3=""
intake_rps=$(printf '%.0f' "${result_max_rps:-0}")
if [ "${INTAKE_BARE:-1}" = 1 ]; then
  if [ -x "$bare_bin" ]; then
    mkfifo "$work/bare.out"
    "$bare_bin" >"$work/bare.out" 2>"$work/bare.log" &
    server_pid=$!
    exec 3<"$work/bare.out"
    bare_url=""
    while IFS= read -r -t 10 line <&3; do
      case $line in "public http://"*) bare_url=${line#public } ;; ready) break ;; esac
    done
    cat <&3 >/dev/null &
    exec 3<&-
    if [ -n "$bare_url" ]; then
      public=${bare_url%/}
      echo
      echo "== reference: bare libmicrohttpd answer (bench_bare_mhd), as fast as possible =="
      acked_before=$acked_total
      wrk_run bare 0
      acked_total=$acked_before
      bare_rps=$(printf '%.0f' "${result[acked_rps]}")
      share=$(awk -v a="$intake_rps" -v b="$bare_rps" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b; else print "?" }')
      line3="reference: bare libmicrohttpd answer $bare_rps requests/s on this machine now; intake is $share% of it (issue 2's target is 20,000 against about 130,000, 15.4%)"
    else
      line3="reference: not measured (bench_bare_mhd did not start: $(head -c 200 "$work/bare.log"))"
    fi
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  else
    line3="reference: not measured ($bare_bin not built)"
  fi
fi

echo
echo "$line1"
echo "$line2"
[ -z "$line3" ] || echo "$line3"
echo "stored=$stored acked=$acked_total"
# Every 201 must be stored: stored >= acked. wrk stops each run with up to
# one request in flight per connection, which the server may have committed
# without wrk reading the 201, so stored may exceed acked by at most
# 2 runs x connections; more than that means reports appeared from nowhere.
if [ -n "$server_died" ]; then
  echo "bench-intake: FAILED: $server_died" >&2
  exit 1
fi
if [ "$stored" -lt "$acked_total" ]; then
  echo "bench-intake: LOST REPORTS: $stored stored < $acked_total acknowledged with 201" >&2
  exit 1
fi
if [ "$stored" -gt $((acked_total + 2 * conns)) ]; then
  echo "bench-intake: $stored stored is more than $acked_total acked + $((2 * conns)) in flight" >&2
  exit 1
fi
[ "$stored" = "$acked_total" ] || echo "bench-intake: $((stored - acked_total)) stored without a 201 read by wrk (in flight when a run stopped)"
