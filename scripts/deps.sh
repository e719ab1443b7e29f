#!/usr/bin/env bash
# Installs the Debian packages (and, for tests, the npm packages) that
# Hotline needs, only when something is missing. Usage: deps.sh run|check
set -eu
what=${1:-run}
here=$(cd "$(dirname "$0")/.." && pwd)

run_pkgs="build-essential cmake pkg-config libmicrohttpd-dev libsqlite3-dev
  libsodium-dev libjansson-dev libyajl-dev libcurl4-openssl-dev
  libjpeg62-turbo-dev libpng-dev libwebp-dev libgif-dev
  libgmime-3.0-dev libidn2-dev libmaxminddb-dev libc-ares-dev"
check_pkgs="$run_pkgs libcmocka-dev python3 sqlite3 curl wrk chromium nodejs npm
  clang libclang-rt-14-dev python3-aiosmtpd mmdb-bin"

pkgs=$run_pkgs
[ "$what" = check ] && pkgs=$check_pkgs

missing=""
for p in $pkgs; do
  # nodejs/npm may come from outside Debian (a node already on PATH is enough)
  case $p in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm) command -v npm >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done

if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends $missing
fi

if [ "$what" = check ]; then
  if [ ! -d "$here/tests/e2e/node_modules/playwright-core" ]; then
    echo "deps: installing playwright-core (npm)"
    (cd "$here/tests/e2e" && npm install --no-audit --no-fund --silent)
  fi
fi
