#!/usr/bin/env bash
# Checks that a plain `wrangler deploy` would build the Worker from Rust first and bind what
# the Worker needs: runs `wrangler deploy --dry-run` (no Cloudflare account needed) and fails
# unless its output shows wrangler.toml's [build] step running and the D1 and queue
# bindings. Cheap after `make build`: the build step finds everything up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The step is skipped when EDGEDROP_PREBUILT is set (bench/d1_usage.py sets it): this check is
# about what a fresh `wrangler deploy` does, so it must run.
log=$(env -u EDGEDROP_PREBUILT WRANGLER_SEND_METRICS=false wrangler deploy --dry-run --outdir "$out/dist" 2>&1) || {
  echo "$log"
  echo "check-deploy: wrangler deploy --dry-run failed" >&2
  exit 1
}
for expected in "[custom build]" "env.DB (edgedrop)" "env.EVENTS (edgedrop-events)" "--dry-run: exiting now."; do
  if ! grep -qF -- "$expected" <<<"$log"; then
    echo "$log"
    echo "check-deploy: the dry run's output lacks: $expected" >&2
    exit 1
  fi
done
echo "check-deploy: wrangler deploy runs the build step and binds DB and EVENTS"
