#!/usr/bin/env bash
# bench/mail: messages ingested per second from a Maildir of 10,000
# messages (build/bench_mail_ingest; see docs/PERFORMANCE.md, E-mail).
# Usage: bash bench/mail/run.sh [N]   (default 10000)
set -eu
here=$(cd "$(dirname "$0")/../.." && pwd)
"${BENCH_MAIL_BIN:-$here/build/bench_mail_ingest}" --n "${1:-10000}"
