#!/usr/bin/env bash
# `make bench`: installs the load generator if needed, then runs bench/run.py, which
# writes docs/benchmarks.md. Takes about five minutes; nothing here runs in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
  echo "==> installing wrk (Debian package)"
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
exec python3 bench/run.py
