// Serves a built Worker in workerd through Miniflare's API: the same runtime and local D1
// as `wrangler dev`, without wrangler's live-reload proxy in front (which caps a trivial
// Worker at about a third of what workerd itself serves here).
//
//   node bench/serve.mjs --script build/index.js --port 8790 \
//        [--migrations migrations] [--seed seed.sql] [--var K=V]... [--inspector PORT]
//
// Applies the migrations and the seed statements (separated by ";\n") to a fresh local D1,
// then prints "ready <url>" and serves until it gets SIGTERM.
import { Miniflare, convertV4MiniflareOptions } from "miniflare";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const args = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const bindings = {};
args.forEach((arg, i) => {
  if (arg === "--var") { const [k, ...v] = args[i + 1].split("="); bindings[k] = v.join("="); }
});
const script = resolve(option("--script"));

// Miniflare 5 takes a new options shape; the classic one converts into it.
const mf = new Miniflare(convertV4MiniflareOptions({
  host: "127.0.0.1",
  port: Number(option("--port") ?? 0),
  // The shim and the wasm module it imports, named as the import names them.
  modulesRoot: dirname(script),
  modules: [
    { type: "ESModule", path: script },
    { type: "CompiledWasm", path: join(dirname(script), "index_bg.wasm") },
  ],
  compatibilityDate: "2026-11-01",
  d1Databases: { DB: "bench-db" },
  // The events queue, as wrangler.toml declares it (the floor Worker ignores it).
  queueProducers: { EVENTS: "edgedrop-events" },
  queueConsumers: { "edgedrop-events": { maxBatchSize: 100, maxBatchTimeout: 1 } },
  bindings,
  // A V8 inspector for the Worker's isolate: bench/cpuprofile.mjs takes CPU profiles through it.
  ...(option("--inspector") ? { inspectorPort: Number(option("--inspector")) } : {}),
}));
const url = await mf.ready;

// Statements end with ";" at the end of a line, except inside a trigger's BEGIN … END.
const statementsOf = (sql) => {
  const statements = [];
  let current = [];
  for (const line of sql.split("\n").filter((l) => !l.trim().startsWith("--"))) {
    current.push(line);
    const text = current.join("\n").trim();
    const inTrigger = /^CREATE TRIGGER/i.test(text) && !/\bEND;$/i.test(text);
    if (text.endsWith(";") && !inTrigger) {
      statements.push(text.slice(0, -1));
      current = [];
    }
  }
  const rest = current.join("\n").trim();
  return rest ? [...statements, rest] : statements;
};
const db = await mf.getD1Database("DB");
const migrations = option("--migrations");
if (migrations) {
  for (const file of readdirSync(migrations).filter((f) => f.endsWith(".sql")).sort()) {
    const statements = statementsOf(readFileSync(join(migrations, file), "utf8"));
    await db.batch(statements.map((s) => db.prepare(s)));
  }
}
const seed = option("--seed");
if (seed) {
  for (const statement of statementsOf(readFileSync(seed, "utf8"))) {
    await db.prepare(statement).run();
  }
}
console.log(`ready ${url}`);
const stop = async () => { await mf.dispose(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
