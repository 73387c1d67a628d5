#!/usr/bin/env bash
# `make bench`: installs the load generator if needed, then runs bench/run.py, which
# writes docs/benchmarks.md. Takes about five minutes; nothing here runs in CI.
# BENCH_ONLY=cli runs only the CLI's upload against a plain PUT (BENCH_REPEAT rounds, no report
# written; BENCH_CLI_VARIANTS compares options; BENCH_S3_PORT/BENCH_APP_PORT move the ports).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "==> installing wrk (Debian package)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
exec python3 bench/run.py
