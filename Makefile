# The two commands of the README: `make dev` and `make test`. Each installs what it needs
# first (cached in $(TOOLS) and node_modules, so a warm machine skips that work).
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS ?= $(HOME)/.cache/edgedrop/tools
export TOOLS
# node_modules/.bin first: its Node 22 is the one wrangler needs.
export PATH := $(CURDIR)/node_modules/.bin:$(TOOLS)/bin:$(HOME)/.cargo/bin:$(PATH)
export WASM_BINDGEN_BIN := $(TOOLS)/bin/wasm-bindgen
export WASM_OPT_BIN := $(CURDIR)/node_modules/.bin/wasm-opt
export WRANGLER_SEND_METRICS := false

WORKER_SOURCES := $(shell find src -type f) Cargo.toml Cargo.lock openapi.json
BUNDLE := build/worker/shim.mjs
# The web app: TypeScript + Preact in web/, built by Vite into dist/ (the Worker's static assets).
# openapi.json too: the app's API types are generated from it, so a contract change re-checks them.
WEB_SOURCES := $(shell find web -type f) package-lock.json openapi.json
APP := dist/index.html
SWAGGER := dist/swagger/swagger-ui-bundle.js dist/swagger/swagger-ui.css dist/swagger/init.js

.PHONY: help dev test build tools lint unit api e2e bench deploy deploy-check clean api-types api-types-check audit

help:
	@echo "make dev       run the service locally (local D1 + s3s-fs + wrangler dev) on :$${PORT:-8787}"
	@echo "make test      run the whole test suite (lint, unit tests, API tests, browser tests)"
	@echo "make build     build the Worker bundle into build/"
	@echo "make api-types regenerate the web app's API types (web/src/api-schema.ts) from openapi.json"
	@echo "make audit     check rows, objects and the ledger agree (make dev's stack; AUDIT_FLAGS=--remote for a deployment)"
	@echo "make bench     run the benchmarks and write docs/benchmarks.md"
	@echo "make deploy    build, apply D1 migrations remotely and deploy with wrangler"

dev: build
	scripts/dev.sh

test: build lint deploy-check unit api e2e

# The Worker's native unit tests, the CLI's (cli/), and the web app's.
unit: tools
	cargo test --lib
	cargo test -p edgedrop-cli
	node --test web/test/*.test.ts

# The API's stories, and the CLI's against the same kind of stack (tests/api/cli.rs runs the
# binary this builds).
api: build
	cargo build -p edgedrop-cli
	cargo test --test api

# The web app in Debian's Chromium against a fresh stack; screenshots land in test-results/e2e.
e2e: build
	node --test --test-concurrency=1 tests/e2e/*.test.mjs

lint: tools api-types-check
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -p edgedrop -- -D warnings

# A second make, started once the tools are installed: make caches what files exist, so
# it would not see the ones npm ci just wrote.
build: tools
	@$(MAKE) --no-print-directory $(BUNDLE) $(APP) $(SWAGGER)

tools:
	@scripts/install-tools.sh

# The web app's API types are generated from openapi.json by openapi-typescript and committed;
# run this after changing the contract and commit both together.
api-types: tools
	scripts/gen-api-types.sh

# Fails while the committed types are not what openapi.json generates now (a contract change
# not yet regenerated, or a hand edit), so the app can never drift from the API it calls.
api-types-check: tools
	scripts/gen-api-types.sh --check

$(BUNDLE): $(WORKER_SOURCES)
	worker-build --release

# Stale API types fail the build before tsc would type-check the app against them.
$(APP): $(WEB_SOURCES)
	scripts/gen-api-types.sh --check
	tsc -p web --noEmit
	vite build --config web/vite.config.ts --logLevel warn

# Vite empties dist/ on every build, so Swagger UI's files are copied in after it.
dist/swagger/init.js: src/swagger-init.js $(APP)
	@mkdir -p dist/swagger
	cp $< $@

dist/swagger/%: node_modules/swagger-ui-dist/% $(APP)
	@mkdir -p dist/swagger
	cp $< $@

# The invariant audit (rows <=> objects <=> ledger), read-only: the local stack of make dev by
# default; AUDIT_FLAGS="--remote" (with the bucket's B2_* settings in the environment) audits
# a deployment. Exits non-zero on any violation.
audit: tools
	node scripts/audit.mjs $(AUDIT_FLAGS)

# A plain `wrangler deploy` builds the Rust first and binds D1 and the events queue:
# `wrangler deploy --dry-run`, offline (cheap after build: the build step has nothing to do).
deploy-check: build
	scripts/check-deploy.sh

bench: build
	bench/run.sh

deploy: build
	wrangler d1 migrations apply edgedrop --remote
	wrangler deploy

clean:
	rm -rf build target/wasm32-unknown-unknown dist
