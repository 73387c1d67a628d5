// The Worker's configuration for a test stack: wrangler.toml itself, with absolute paths and
// without its [build] step. The tests serve the bundle built before them, and [build]'s
// watch_dir would have `wrangler dev` reload the Worker (answering 503 meanwhile) whenever
// someone edits src/ while the suite runs.
//
//   node scripts/wrangler-test-config.mjs OUT   writes it to OUT (the Rust API harness)
//   import { writeTestConfig } from ...         the same, for tests/e2e/stack.mjs

import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Writes the test stack's wrangler.toml to `out`. */
export function writeTestConfig(out) {
  const config = readFileSync(path.join(root, "wrangler.toml"), "utf8")
    .replace(/^\[build\]\n(?:[^[\n].*\n|\n)*/m, "")
    .replace(/^(main|migrations_dir|directory) = "([^"]+)"$/gm, (_, key, value) => `${key} = ${JSON.stringify(path.join(root, value))}`);
  if (/^\[build\]$/m.test(config) || !config.includes(`main = ${JSON.stringify(path.join(root, "build/worker/shim.mjs"))}`)) {
    throw new Error("wrangler.toml's shape changed: adapt scripts/wrangler-test-config.mjs");
  }
  writeFileSync(out, config);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeTestConfig(process.argv[2]);
}
