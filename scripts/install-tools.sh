#!/usr/bin/env bash
# Installs every tool the build, the dev server and the tests need, and skips each one
# that is already there at the right version. Safe to run again and again.
#
#   Rust target wasm32-unknown-unknown   (rustup)
#   worker-build, wasm-bindgen-cli       (cargo install, cached in $TOOLS)
#   s3s-fs, the local S3 server          (cargo install, cached in $TOOLS)
#   wrangler, Node 22, wasm-opt, Swagger UI, Vite, Preact, TypeScript, playwright-core
#                                        (npm ci, from package-lock.json)
#   schemathesis, the API fuzzer           (pip, in a venv in $TOOLS)
#   Chromium, for the browser tests        (apt-get: Debian's package)
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=${TOOLS:-$HOME/.cache/edgedrop/tools}
WORKER_BUILD_VERSION=0.8.7
S3S_FS_VERSION=0.14.1
# wasm-bindgen-cli must be exactly the wasm-bindgen the crate links against.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

has_version() { # has_version BINARY VERSION: the cached binary prints VERSION
  [ -x "$TOOLS/bin/$1" ] && "$TOOLS/bin/$1" --version 2>/dev/null | grep -q -- "$2"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown Rust target"
  rustup target add wasm32-unknown-unknown
fi

if ! has_version worker-build "$WORKER_BUILD_VERSION"; then
  say "installing worker-build $WORKER_BUILD_VERSION"
  cargo install --quiet --root "$TOOLS" --locked worker-build --version "$WORKER_BUILD_VERSION"
fi

if ! has_version wasm-bindgen "$WASM_BINDGEN_VERSION"; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file pins a webpki-roots release the registry mirror lacks.
  cargo install --quiet --root "$TOOLS" wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if [ ! -x "$TOOLS/bin/s3s-fs" ]; then
  say "installing s3s-fs $S3S_FS_VERSION"
  cargo install --quiet --root "$TOOLS" --locked s3s-fs --version "$S3S_FS_VERSION" --features binary
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing the npm tools (wrangler, Node 22, binaryen, Swagger UI, Vite, Preact, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi

SCHEMATHESIS_VERSION=4.32.5
if ! "$TOOLS/venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  say "installing schemathesis $SCHEMATHESIS_VERSION (API fuzzing)"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# playwright-core drives Debian's Chromium; it never downloads a browser of its own.
if [ ! -x /usr/bin/chromium ]; then
  say "installing Chromium (Debian package) for the browser tests"
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium > /dev/null
fi
