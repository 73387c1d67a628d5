// A fresh stack for the browser tests, like the API tests' harness: s3s-fs (checking
// SigV4) behind the bucket's CORS rule, a new local D1 with the migrations applied, and the
// built Worker and web app under `wrangler dev`, all on free loopback ports.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, openSync, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startBucketCors } from "../../scripts/bucket-cors.mjs";
import { writeTestConfig } from "../../scripts/wrangler-test-config.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const tools = process.env.TOOLS ?? path.join(os.homedir(), ".cache/edgedrop/tools");
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const BUCKET = "edgedrop";
const ACCESS_KEY = "e2e-access-key";
const SECRET_ACCESS_KEY = "e2e-secret-access-key";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(what, logFile, ready, seconds) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  let log = "";
  try {
    log = readFileSync(logFile, "utf8").slice(-4000);
  } catch {}
  throw new Error(`${what} did not start in ${seconds} s; its log ends:\n${log}`);
}

/** Starts `command` in its own process group, writing its output to `log`. */
function start(command, args, log) {
  const out = openSync(log, "w");
  return spawn(command, args, {
    cwd: root,
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
}

function stopGroup(child) {
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {}
}

/**
 * Starts a stack with the Worker settings `vars` on top of the test defaults. Resolves to
 * `{ base, stop() }`; `base` is the web app's origin.
 */
export async function startStack(vars = {}) {
  const bundle = path.join(root, "build/worker/shim.mjs");
  const app = path.join(root, "dist/index.html");
  for (const built of [bundle, app]) {
    try {
      readFileSync(built);
    } catch {
      throw new Error(`${built} is missing: run \`make build\` (or \`make test\`)`);
    }
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), "edgedrop-e2e-"));
  mkdirSync(path.join(dir, "bucket", BUCKET), { recursive: true });
  const [s3fsPort, bucketPort, port] = [await freePort(), await freePort(), await freePort()];
  const base = `http://127.0.0.1:${port}`;

  const s3fs = start(
    path.join(tools, "bin/s3s-fs"),
    ["--host", "127.0.0.1", "--port", String(s3fsPort), "--access-key", ACCESS_KEY, "--secret-key", SECRET_ACCESS_KEY, path.join(dir, "bucket")],
    path.join(dir, "s3s-fs.log"),
  );
  const cors = await startBucketCors(bucketPort, s3fsPort, [base]);
  execFileSync(wrangler, ["d1", "migrations", "apply", "edgedrop", "--local", "--persist-to", path.join(dir, "d1")], {
    cwd: root,
    env: { ...process.env, CI: "true" },
    stdio: "pipe",
  });
  const settings = {
    SECRET_KEY: "e2e-secret-0123456789abcdef-0123456789",
    B2_ENDPOINT: `http://127.0.0.1:${bucketPort}`,
    B2_REGION: "us-east-1",
    B2_BUCKET: BUCKET,
    B2_ACCESS_KEY: ACCESS_KEY,
    B2_SECRET_KEY: SECRET_ACCESS_KEY,
    ...vars,
  };
  const varArgs = Object.entries(settings).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const workerLog = path.join(dir, "worker.log");
  // Built before the tests: wrangler.toml without its [build] step (and its watch).
  const config = path.join(dir, "wrangler.toml");
  writeTestConfig(config);
  const worker = start(
    wrangler,
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", "0", "--show-interactive-dev-session=false", "--config", config, "--persist-to", path.join(dir, "d1"), ...varArgs],
    workerLog,
  );
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stopGroup(worker);
    stopGroup(s3fs);
    cors.close();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  try {
    await waitUntil("wrangler dev", workerLog, async () => (await fetch(`${base}/healthz`)).ok, 90);
  } catch (error) {
    stop();
    throw error;
  }
  return { base, stop };
}
