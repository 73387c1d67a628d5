// V8 CPU profiles of the isolates inside one workerd, taken while a load runs: where a
// request's CPU goes (the Worker's wasm and JS glue, Miniflare's entry worker, the local
// D1's own isolate).
//
//   node bench/cpuprofile.mjs --inspector 9239 [--targets core:user:,d1:db] [--top 25] \
//        [--out DIR] -- wrk -t1 -c8 -d5s http://127.0.0.1:8799/...
//
// The Worker must be served with `bench/serve.mjs --inspector 9239`. Prints each isolate's
// sampled CPU time and its functions by self time; writes DIR/<target>.cpuprofile files
// (openable in Chrome DevTools) when --out is given.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";

const args = process.argv.slice(2);
const dash = args.indexOf("--");
const options = args.slice(0, dash < 0 ? args.length : dash);
const command = dash < 0 ? [] : args.slice(dash + 1);
const option = (name, fallback) => { const i = options.indexOf(name); return i >= 0 ? options[i + 1] : fallback; };
const port = Number(option("--inspector", "9239"));
const targets = option("--targets", "core:user:,core:entry,d1:db,d1:db:entry").split(",");
const top = Number(option("--top", "25"));
const out = option("--out");

class Session {
  constructor(target) {
    this.target = target;
    this.next = 1;
    this.pending = new Map();
  }
  async open() {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/${this.target}`);
    this.ws.on("message", (data) => {
      const message = JSON.parse(data.toString());
      const waiter = this.pending.get(message.id);
      if (waiter) { this.pending.delete(message.id); waiter(message); }
    });
    await new Promise((resolve, reject) => { this.ws.once("open", resolve); this.ws.once("error", reject); });
  }
  send(method, params = {}) {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.pending.set(id, resolve));
  }
}

/** Self time (µs) per function of a profile, and its total sampled time. */
function summarize(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const deltas = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const frame = node.callFrame;
    const name = frame.functionName || "(anonymous)";
    if (name === "(idle)") return;
    const key = `${name} ${frame.url ? frame.url.split("/").pop() : ""}`.trim();
    const delta = deltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + delta);
    total += delta;
  });
  return { self: [...self.entries()].sort((a, b) => b[1] - a[1]), total };
}

const sessions = [];
for (const target of targets) {
  const session = new Session(target);
  await session.open();
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 100 });
  sessions.push(session);
}
for (const session of sessions) await session.send("Profiler.start");
if (command.length) {
  await new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", "inherit"] });
    let text = "";
    child.stdout.on("data", (d) => { text += d; });
    child.on("exit", () => { console.log(text.split("\n").filter((l) => /requests in|Requests\/sec/.test(l)).join("\n")); resolve(); });
  });
}
if (out) mkdirSync(out, { recursive: true });
for (const session of sessions) {
  const { result } = await session.send("Profiler.stop");
  const { self, total } = summarize(result.profile);
  console.log(`\n== ${session.target}: ${(total / 1000).toFixed(0)} ms sampled (idle excluded)`);
  for (const [name, micros] of self.slice(0, top)) {
    console.log(`${(micros / 1000).toFixed(1).padStart(9)} ms  ${(100 * micros / total).toFixed(1).padStart(5)}%  ${name}`);
  }
  if (out) writeFileSync(join(out, `${session.target.replace(/[^a-z0-9]+/gi, "_")}.cpuprofile`), JSON.stringify(result.profile));
  session.ws.close();
}
process.exit(0);
