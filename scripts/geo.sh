#!/usr/bin/env bash
# Installs free country and ASN databases for item hosting look-ups into
# DIR/geo (default ./var/geo), from the npm registry's ip-location-db
# packages: the GeoLite2 country MMDB as it is, and the ASN CSV turned into
# an MMDB by `hotline geo asn-mmdb` (no ASN MMDB is published there), so the
# binary must be built first ($HOTLINE_BIN, default build/hotline).
# Skipped when both files exist. Usage: geo.sh [DATA_DIR]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${HOTLINE_BIN:-$here/build/hotline}
dir=${1:-./var}/geo
mkdir -p "$dir"
dir=$(cd "$dir" && pwd) # the work below happens in a temporary folder
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
  [ -x "$bin" ] || { echo "geo: $bin is not built; run make first"; exit 1; }
  npm pack --silent @ip-location-db/asn >/dev/null
  tar xzf ip-location-db-asn-*.tgz
  "$bin" geo asn-mmdb "$dir/asn.mmdb.new" package/asn-ipv4.csv package/asn-ipv6.csv &&
    mv "$dir/asn.mmdb.new" "$dir/asn.mmdb"
fi
echo "geo: databases in $dir"
