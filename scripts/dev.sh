#!/usr/bin/env bash
# Runs the whole service locally: s3s-fs as the bucket (behind a proxy that applies the
# bucket's CORS rule, which s3s-fs lacks, so the web app can upload straight to it), a
# local D1 with the migrations applied, and the built Worker and web app under
# `wrangler dev`. Ctrl-C stops all of it.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-8787}
S3_PORT=${S3_PORT:-9000}
S3FS_PORT=${S3FS_PORT:-$((S3_PORT + 1))}
STATE=.wrangler/state

if [ ! -f .dev.vars ]; then
  secret=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
  sed "s/^SECRET_KEY=.*/SECRET_KEY=$secret/; s#^B2_ENDPOINT=.*#B2_ENDPOINT=http://127.0.0.1:$S3_PORT#" .dev.vars.example > .dev.vars
  echo "wrote .dev.vars with a fresh random SECRET_KEY"
fi
# The bucket server takes the same key and bucket the Worker signs with.
value() { sed -n "s/^$1=//p" .dev.vars | tail -n 1; }
bucket=$(value B2_BUCKET)
mkdir -p ".wrangler/bucket/$bucket"

s3s-fs --host 127.0.0.1 --port "$S3FS_PORT" \
  --access-key "$(value B2_ACCESS_KEY)" --secret-key "$(value B2_SECRET_KEY)" \
  .wrangler/bucket > .wrangler/s3s-fs.log 2>&1 &
bucket_pid=$!
node scripts/bucket-cors.mjs "$S3_PORT" "$S3FS_PORT" "http://127.0.0.1:$PORT" "http://localhost:$PORT" \
  > .wrangler/bucket-cors.log 2>&1 &
cors_pid=$!
stop() { kill "$bucket_pid" "$cors_pid" ${worker_pid:+"$worker_pid"} 2>/dev/null || true; }
trap stop EXIT
trap 'stop; exit 130' INT TERM

wrangler d1 migrations apply edgedrop --local --persist-to "$STATE"

cat <<TXT

  edgedrop is starting on http://localhost:$PORT  (the web app)
    API docs (Swagger UI):  http://127.0.0.1:$PORT/docs
    OpenAPI document:       http://127.0.0.1:$PORT/openapi.json
    bucket (s3s-fs):        http://127.0.0.1:$S3_PORT/$bucket  (files in .wrangler/bucket)
  Ctrl-C stops everything.

TXT
# wrangler.toml's [build] step (`make build`, a no-op now) runs again on every change to
# src/ or web/src/, and wrangler reloads the Worker with what it built.
wrangler dev --ip 127.0.0.1 --port "$PORT" --persist-to "$STATE" --test-scheduled --show-interactive-dev-session=false &
worker_pid=$!
wait "$worker_pid"
