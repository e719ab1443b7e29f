#!/usr/bin/env bash
# bench/hashlist: import 10 million PDQ lines with `hotline hashlist import`
# (time, peak memory), import the same file again (nothing changes), then
# start `hotline serve` and read how long it took to load the lists.
# Usage: bash bench/hashlist/run.sh [LINES] (default 10000000)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=${HOTLINE_BIN:-$here/build/hotline}
lines=${1:-10000000}
work=$(mktemp -d /tmp/hotline-bench-hashlist.XXXXXX)
trap 'kill $srv 2>/dev/null || true; rm -rf "$work"' EXIT
srv=
echo "generating $lines random PDQ lines"
python3 - "$work/list.txt" "$lines" <<'PY'
import os, sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    chunk = 100000
    for start in range(0, n, chunk):
        k = min(chunk, n - start)
        raw = os.urandom(32 * k).hex()
        f.write("".join(raw[i * 64:(i + 1) * 64] + ",100\n" for i in range(k)))
PY
"$bin" init --data "$work/var" >/dev/null 2>&1
measure() {
  /usr/bin/time -f "%e s wall, %M KiB peak RSS" "$@"
}
echo "first import:"
measure "$bin" hashlist import bench "$work/list.txt" --format pdq --data "$work/var"
echo "second import of the same file:"
measure "$bin" hashlist import bench "$work/list.txt" --format pdq --data "$work/var"
echo "database: $(du -sh "$work/var" | cut -f1)"
"$bin" serve --data "$work/var" --listen 127.0.0.1:0 --console-listen 127.0.0.1:0 \
  >"$work/out" 2>"$work/err" &
srv=$!
for _ in $(seq 1 600); do
  grep -q '^ready' "$work/out" 2>/dev/null && break
  sleep 0.5
done
grep 'hash lists:' "$work/err" || true
echo "server RSS after load: $(awk '/VmRSS/ {print $2, $3}' /proc/$srv/status)"
