#!/usr/bin/env bash
# Installs free country and ASN databases for item hosting look-ups into
# DIR/geo (default ./var/geo), from the npm registry's ip-location-db
# packages: the GeoLite2 country MMDB as it is, and the ASN CSV turned into
# an MMDB by tests/http/mmdb_writer.py (no ASN MMDB is published there).
# Skipped when both files exist. Usage: geo.sh [DATA_DIR]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-./var}/geo
mkdir -p "$dir"
[ -s "$dir/country.mmdb" ] && [ -s "$dir/asn.mmdb" ] && exit 0
command -v npm >/dev/null 2>&1 || { echo "geo: npm is missing; hosting country/ASN stay empty"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
if [ ! -s "$dir/country.mmdb" ]; then
  npm pack --silent @ip-location-db/geolite2-country-mmdb >/dev/null
  tar xzf ip-location-db-geolite2-country-mmdb-*.tgz
  cp package/geolite2-country.mmdb "$dir/country.mmdb.new" && mv "$dir/country.mmdb.new" "$dir/country.mmdb"
  rm -rf package
fi
if [ ! -s "$dir/asn.mmdb" ]; then
  npm pack --silent @ip-location-db/asn >/dev/null
  tar xzf ip-location-db-asn-*.tgz
  python3 - "$here/tests/http" package/asn-ipv4.csv package/asn-ipv6.csv "$dir/asn.mmdb.new" <<'PY'
import csv, ipaddress, sys
sys.path.insert(0, sys.argv[1])
from mmdb_writer import write_mmdb
nets = []
for path in sys.argv[2:4]:
    with open(path, newline="") as f:
        for row in csv.reader(f):
            if len(row) < 4 or not row[2].isdigit():
                continue
            a, b = ipaddress.ip_address(row[0]), ipaddress.ip_address(row[1])
            rec = {"autonomous_system_number": int(row[2]),
                   "autonomous_system_organization": row[3][:200]}
            for n in ipaddress.summarize_address_range(a, b):
                nets.append((str(n), rec))
write_mmdb(sys.argv[4], "ip-location-db-ASN", nets, "ip-location-db asn (CC BY 4.0 / PDDL)")
PY
  mv "$dir/asn.mmdb.new" "$dir/asn.mmdb"
fi
echo "geo: databases in $dir"
