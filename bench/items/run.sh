#!/usr/bin/env bash
# bench/items: (1) intake of reports spread over 5,000 URLs (a viral
# spike), through bench/intake/run.sh with INTAKE_URLS=5000; (2) the
# statistics page and JSON export over 1,000,000 reports (200,000 items,
# 5 reports each, with timelines over a year, written straight into the
# store with sqlite3): the console's statistics page and GET /api/v1/stats,
# timed with curl.
#
#   bash bench/items/run.sh [intake|stats|all]   (default all)
# Environment: HOTLINE_BIN [build/hotline], STATS_ITEMS [200000],
#   STATS_RUNS [20], ITEMS_ROUNDS [1] (part 1 that many times, each on a
#   fresh server, with the medians), and bench/intake's variables for part 1
#   (each round also measures bench/intake's reference, a bare
#   libmicrohttpd answer, unless INTAKE_BARE=0).
set -euo pipefail
export LC_ALL=C
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${HOTLINE_BIN:-$root/build/hotline}
what=${1:-all}

if [ "$what" = intake ] || [ "$what" = all ]; then
  rounds=${ITEMS_ROUNDS:-1}
  rates=() tails=() bares=() shares=()
  for round in $(seq "$rounds"); do
    echo "bench-items: intake, reports over ${ITEMS_URLS:-5000} URLs (round $round of $rounds)"
    out=$(INTAKE_URLS=${ITEMS_URLS:-5000} HOTLINE_BIN=$bin bash "$root/bench/intake/run.sh") || {
      echo "$out"; exit 1; }
    echo "$out"
    rates+=("$(echo "$out" | sed -n 's/^intake: \([0-9]*\) reports\/s.*/\1/p')")
    tails+=("$(echo "$out" | sed -n 's/^intake@[0-9]*\/s: .* p99 \([0-9.]*\) ms.*/\1/p')")
    bare=$(echo "$out" | sed -n 's/^reference: bare libmicrohttpd answer \([0-9]*\) requests\/s.* intake is \([0-9.]*\)% .*/\1 \2/p')
    if [ -n "$bare" ]; then bares+=("${bare% *}"); shares+=("${bare#* }"); fi
  done
  if [ "$rounds" -gt 1 ]; then
    # each round on a fresh server; the median says more than one run on a
    # machine whose speed drifts
    med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {
      if (NR % 2) print a[(NR+1)/2]; else printf "%g\n", (a[NR/2] + a[NR/2+1]) / 2 }'; }
    echo "bench-items: intake over $rounds rounds: reports/s ${rates[*]} (median $(med "${rates[@]}")); p99 at the limited rate ${tails[*]} ms (median $(med "${tails[@]}"))"
    [ "${#bares[@]}" -eq 0 ] || echo "bench-items: reference over $rounds rounds: bare libmicrohttpd ${bares[*]} requests/s (median $(med "${bares[@]}")); intake's share ${shares[*]}% (median $(med "${shares[@]}")%)"
  fi
fi
[ "$what" = stats ] || [ "$what" = all ] || exit 0

items=${STATS_ITEMS:-200000}
runs=${STATS_RUNS:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/hotline-bench-items.XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bin" init --data "$work/var" >/dev/null 2>&1
echo "bench-items: writing $items items ($((items * 5)) reports) with timelines"
sqlite3 "$work/var/hotline.db" <<SQL
PRAGMA synchronous=OFF;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $items)
INSERT INTO items (id, url, host, state, report_count, channel, class_key, first_reported_at,
  last_reported_at, assessed_at, notified_at, removed_at, resolve_state, country, asn, as_name,
  updated_at)
SELECT i, 'https://example.org/bench/' || i, 'example.org',
  CASE WHEN i % 10 = 0 THEN 'not_illegal' WHEN i % 3 = 0 THEN 'notified' ELSE 'removed' END,
  5, CASE i % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'api' WHEN 2 THEN 'email' ELSE 'phone' END,
  CASE i % 3 WHEN 0 THEN 'baseline' WHEN 1 THEN 'national' ELSE 'not_illegal' END,
  1767225600 + (i * 157) % 31536000, 1767225600 + (i * 157) % 31536000,
  1767225600 + (i * 157) % 31536000 + (i * 37) % 86400,
  CASE WHEN i % 10 = 0 THEN NULL ELSE 1767225600 + (i * 157) % 31536000 + (i * 37) % 86400 + (i * 13) % 7200 END,
  CASE WHEN i % 10 = 0 OR i % 3 = 0 THEN NULL
       ELSE 1767225600 + (i * 157) % 31536000 + (i * 37) % 86400 + (i * 13) % 7200 + (i * 101) % 604800 END,
  'done', substr('BENLDEFRUSGBJPCA', 1 + 2 * (i % 8), 2), 64500 + i % 300, 'Bench AS ' || (i % 300),
  1767225600
FROM n;
WITH RECURSIVE d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < 364)
INSERT INTO report_daily (day, channel, n)
SELECT date(1767225600 + k * 86400, 'unixepoch'), c.ch, $items * 5 / 365 / 4
FROM d, (SELECT 'web' AS ch UNION ALL SELECT 'api' UNION ALL SELECT 'email' UNION ALL SELECT 'phone') c;
COMMIT;
SQL
key=$("$bin" apikey add bench --role analyst --json --data "$work/var" | sed 's/.*"key": *"\([^"]*\)".*/\1/')
mkfifo "$work/out"
"$bin" serve --data "$work/var" --listen 127.0.0.1:0 --console-listen 127.0.0.1:0 >"$work/out" 2>"$work/err" &
pid=$!
console=""
while read -r line; do
  case $line in console*) console=${line#console }; console=${console##* } ;; ready*) break ;; esac
done <"$work/out"
cat "$work/out" >/dev/null &
console=${console#http://}
echo "bench-items: console at $console"
# the console's statistics page (HTML, its SVG charts drawn on the server,
# each with its table) and the JSON API, over the year and over one month;
# an API key opens the console page as it opens the API
for path in "/stats?from=2026-01-01&to=2026-12-31" "/api/v1/stats?from=2026-01-01&to=2026-12-31" \
  "/stats?from=2026-06-01&to=2026-06-30" "/api/v1/stats?from=2026-06-01&to=2026-06-30"; do
  times=()
  for _ in $(seq "$runs"); do
    out=$(curl -s -o "$work/page" -w '%{http_code} %{time_total}' -H "Authorization: Bearer $key" "http://$console$path")
    [ "${out% *}" = 200 ] || { echo "bench-items: $path answered ${out% *}" >&2; exit 1; }
    times+=("${out#* }")
  done
  case $path in /stats*) grep -q "<svg" "$work/page" || { echo "bench-items: $path has no chart" >&2; exit 1; } ;; esac
  printf '%s\n' "${times[@]}" | sort -n | awk -v p="$path" '{a[NR]=$1} END {printf "bench-items: %s  median %.1f ms  max %.1f ms  (%d runs)\n", p, a[int((NR+1)/2)]*1000, a[NR]*1000, NR}'
done
