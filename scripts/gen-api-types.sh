#!/usr/bin/env bash
# The web app's API types, web/src/api-schema.ts, generated from the API contract
# (openapi.json) by openapi-typescript (pinned in package.json), so that the app's idea of
# each request and answer cannot drift from the document the Worker serves and is tested
# against. The file is committed: the app builds without running the generator, and a
# contract change shows up in review as a change of types.
#
#   scripts/gen-api-types.sh          rewrite web/src/api-schema.ts            (make api-types)
#   scripts/gen-api-types.sh --check  fail if it is not what openapi.json generates now
#                                     (make build and make lint run this)
#
# Offline: it reads only the local openapi.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"

SPEC=openapi.json
OUT=web/src/api-schema.ts

generate() {
  cat <<'EOF'
// GENERATED FILE, do not edit: `make api-types` writes it from openapi.json
// (scripts/gen-api-types.sh: openapi-typescript openapi.json --default-non-nullable false),
// and `make build` / `make lint` fail while it differs from what openapi.json generates.
EOF
  # A default makes a field optional to send, not required to: without the flag, a request
  # body's field with a default (UploadRequest.content_type) would be typed as mandatory.
  openapi-typescript "$SPEC" --default-non-nullable false
}

fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
generate >"$fresh"

case "${1:-}" in
  "")
    # Rewritten only when it changes, so that make does not rebuild the app for nothing.
    if ! cmp -s "$fresh" "$OUT"; then
      cat "$fresh" >"$OUT"
      echo "wrote $OUT"
    fi
    ;;
  --check)
    if [ ! -f "$OUT" ]; then
      echo "$OUT is missing. Run \`make api-types\` and commit the result." >&2
      exit 1
    fi
    if ! cmp -s "$fresh" "$OUT"; then
      {
        echo "$OUT is stale: it is not what $SPEC generates now (or it was edited by hand)."
        echo "Run \`make api-types\` and commit the result. The difference (- committed, + generated):"
        diff -u --label "$OUT (committed)" --label "$OUT (from $SPEC)" "$OUT" "$fresh" | head -n 60 || true
      } >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac
