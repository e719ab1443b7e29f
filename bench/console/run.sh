#!/usr/bin/env bash
# bench/console: the console's queue and report pages with N reports stored
# (default 1,000,000). Target (issue 3): p99 under 20 ms for the queue page,
# any filter, any page, and for a report page.
#
#   bash bench/console/run.sh            (make bench-console)
#
# Needs build/hotline and build/bench_console_fill (make), wrk, python3.
# Environment: CONSOLE_REPORTS (1000000), CONSOLE_DURATION (10s),
# CONSOLE_CONNECTIONS (4), HOTLINE_BIN, CONSOLE_KEEP=1 keeps the data.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${HOTLINE_BIN:-$root/build/hotline}
fill=${CONSOLE_FILL:-$(dirname "$bin")/bench_console_fill}
n=${CONSOLE_REPORTS:-1000000}
dur=${CONSOLE_DURATION:-10s}
conns=${CONSOLE_CONNECTIONS:-4}
work=$(mktemp -d "${TMPDIR:-/tmp}/hotline-bench-console.XXXXXX")
data=$work/var
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  [ "${CONSOLE_KEEP:-0}" = 1 ] && echo "bench-console: data kept in $data" || rm -rf "$work"
}
trap cleanup EXIT

echo "bench-console: filling $n reports"
start=$(date +%s)
"$fill" "$data" "$n" >/dev/null
echo "bench-console: filled in $(( $(date +%s) - start )) s"

acct=$("$bin" user add bench --role supervisor --json --data "$data")
"$bin" serve --data "$data" --listen 127.0.0.1:0 --console-listen 127.0.0.1:0 \
  > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 100); do grep -q '^ready' "$work/out" 2>/dev/null && break; sleep 0.1; done
console=$(awk '/^console/{print $2}' "$work/out")

# log in (password and TOTP), replace the one-time password, keep the cookie
cookie=$(ACCT="$acct" CONSOLE="$console" python3 - <<'PY'
import base64, hashlib, hmac, http.client, json, os, re, struct, time, urllib.parse
a = json.loads(os.environ["ACCT"])
u = urllib.parse.urlsplit(os.environ["CONSOLE"])
def code(secret):
    k = base64.b32decode(secret + "=" * (-len(secret) % 8))
    h = hmac.new(k, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    o = h[-1] & 15
    return "%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000)
def req(method, path, body=None, cookie=None):
    c = http.client.HTTPConnection(u.hostname, u.port)
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie: h["Cookie"] = "hl_session=" + cookie
    c.request(method, path, urllib.parse.urlencode(body) if body else None, h)
    r = c.getresponse(); data = r.read(); return r, data
r, _ = req("POST", "/login", {"name": "bench", "password": a["password"], "code": code(a["totp_secret"])})
tok = re.search(r"hl_session=([0-9a-f]+)", r.getheader("Set-Cookie")).group(1)
_, page = req("GET", "/account/password", cookie=tok)
csrf = re.search(rb'name="csrf" value="([0-9a-f]+)"', page).group(1).decode()
pw = "bench password 1234"
req("POST", "/account/password", {"password": pw, "confirm": pw, "csrf": csrf}, cookie=tok)
print(tok)
PY
)

# a deep page: the key of a row about 90% down the open queue
deep=$(python3 - "$data/hotline.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
n = c.execute("SELECT count(*) FROM reports WHERE state <> 'closed'").fetchone()[0]
k = c.execute("SELECT (2 - priority) * 1099511627776 + id AS k FROM reports"
              " WHERE state <> 'closed' ORDER BY k LIMIT 1 OFFSET ?", (n * 9 // 10,)).fetchone()[0]
print(k)
PY
)
last=$(python3 -c "print(10000000 + $n)")
number=$(python3 - "$n" <<'PY'
import sys
T=[[0,3,1,7,5,9,8,6,4,2],[7,0,9,2,1,5,4,8,6,3],[4,2,0,6,8,7,1,3,5,9],[1,7,5,0,9,8,3,4,2,6],[6,1,2,3,0,4,5,9,7,8],[3,6,7,4,2,0,9,5,8,1],[5,8,6,9,7,2,0,1,3,4],[8,9,4,5,3,6,2,0,1,7],[9,4,3,8,6,1,7,2,0,5],[2,5,8,1,4,3,6,7,9,0]]
d = str(10000000 + int(sys.argv[1]) // 2)
i = 0
for ch in d: i = T[i][int(ch)]
s = d + str(i)
print(s[0:3] + "-" + s[3:6] + "-" + s[6:9])
PY
)
echo "bench-console: $n reports; wrk -t1 -c$conns -d$dur per page"
fails=0
run() {
  local label=$1 path=$2
  local out p99 rps non2xx
  out=$(wrk -t1 -c"$conns" -d"$dur" --latency -H "Cookie: hl_session=$cookie" "$console$path")
  p99=$(echo "$out" | awk '/^ +99%/{print $2}')
  rps=$(echo "$out" | awk '/^Requests\/sec/{print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/{print $5}')
  printf 'console: %-34s p99 %8s  %8s req/s  non-2xx %s\n' "$label" "$p99" "$rps" "${non2xx:-0}"
  [ -z "${non2xx:-}" ] || fails=1
}
run "queue, first page" "/"
run "queue, kind=immediate_danger" "/?kind=immediate_danger"
run "queue, channel=phone" "/?channel=phone"
run "queue, state=under_analysis" "/?state=under_analysis"
run "queue, kind+channel" "/?kind=exploitation&channel=email"
run "queue, 90% deep (after=)" "/?after=$deep"
run "queue, a filter nothing matches" "/?kind=needs_triage&channel=email"
run "report page $number" "/reports/$number"
exit $fails
