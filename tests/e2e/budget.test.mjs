// The web app ships under 100 KiB of JS and CSS, gzipped: what a phone downloads before the
// first screen. Read from the built dist/, which `make e2e` builds first.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../dist");
const BUDGET_BYTES = 100 * 1024;

test("the shipped JS and CSS stay within 100 KiB gzipped", () => {
  const assets = readdirSync(path.join(dist, "assets")).map((name) => path.join(dist, "assets", name));
  const shipped = [...assets, path.join(dist, "app.css")].filter((file) => /\.(js|css)$/.test(file));
  assert.ok(shipped.some((file) => file.endsWith(".js")), "the app's script is among them");
  const gzipped = shipped.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
  assert.ok(gzipped < BUDGET_BYTES, `${(gzipped / 1024).toFixed(1)} KiB gzipped`);
});
