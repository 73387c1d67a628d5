"""The benchmark suite: serves the floor Worker and edgedrop the same way (workerd through
Miniflare's API, local D1, s3s-fs as the bucket), seeds data in bulk, loads each workload
with wrk, and writes docs/benchmarks.md. Run it with `make bench`.

Every throughput is also given as a ratio against the floor measured in the same run,
because this machine is small and shared: absolute numbers move from run to run, ratios
much less.
"""

import base64
import datetime
import gzip
import hashlib
import hmac
import json
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(os.environ.get("TOOLS", Path.home() / ".cache/edgedrop/tools"))
SECRET = "bench-secret-0123456789abcdef-0123456789"
ACCESS_KEY, SECRET_KEY, BUCKET = "bench-access", "bench-secret-access", "edgedrop"
DURATION = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = 8
SIZES = {"small": 1_000, "mid": 100_000, "big": 1_000_000}
CREATED_BASE = 1_750_000_000_000
SHARE_TOKEN = "BenchShareToken0123456789abcdefghijklmnopqr"  # 43 base64url characters
MIB = 1024 * 1024


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def user_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:32]


def file_id(user: int, n: int) -> str:
    return f"{user:08x}{n:024x}"


def session_id(name: str) -> str:
    """The id of the session seeded for user `name` (tokens must name a live session)."""
    return hashlib.sha256(f"session:{name}".encode()).hexdigest()[:32]


def token_for(name: str) -> str:
    now = int(time.time())
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {"sub": user_id(name), "sid": session_id(name), "iat": now, "exp": now + 7200}
    body = b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


def cursor_for(created_at: int, fid: str) -> str:
    """A listing cursor as the Worker signs it (see src/listing.rs)."""
    payload = json.dumps({"s": "created_at", "o": "desc", "k": created_at, "i": fid}, separators=(",", ":")).encode()
    tag = hmac.new(SECRET.encode(), b"edgedrop cursor v1\0" + payload, hashlib.sha256).digest()[:16]
    return f"{b64(payload)}.{b64(tag)}"


def seed_sql() -> str:
    """Users with 1k, 100k and 1M files, generated inside SQLite by recursive CTEs (a bulk
    load, not one HTTP call per row), plus one share with a known token."""
    statements = []
    for index, (name, count) in enumerate(SIZES.items(), start=1):
        uid = user_id(name)
        statements.append(
            "INSERT INTO users (id, email, email_canonical, password_hash, created_at) "
            f"VALUES ('{uid}', '{name}@bench.test', '{name}@bench.test', 'x', 0)"
        )
        # The session the benchmark's token names; it outlives any run.
        statements.append(
            "INSERT INTO sessions (id, user_id, kind, created_at, expires_at) "
            f"VALUES ('{session_id(name)}', '{uid}', 'api', 0, {(int(time.time()) + 7 * 86400) * 1000})"
        )
        # In chunks of 50,000 rows: one statement must finish within D1's time limit.
        statements += [
            "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, created_at, updated_at) "
            f"WITH RECURSIVE seq(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM seq WHERE n < {min(start + 49_999, count)}) "
            f"SELECT printf('%08x%024x', {index}, n), '{uid}', "
            "printf('Report %07d %s.pdf', n, CASE n % 5 WHEN 0 THEN 'Alpha' WHEN 1 THEN 'Bravo' WHEN 2 THEN 'Charlie' "
            "WHEN 3 THEN 'Delta' ELSE 'Echo' END), "
            "lower(printf('Report %07d %s.pdf', n, CASE n % 5 WHEN 0 THEN 'Alpha' WHEN 1 THEN 'Bravo' WHEN 2 THEN 'Charlie' "
            "WHEN 3 THEN 'Delta' ELSE 'Echo' END)), "
            f"'/' || (n % 50), (n * 7919) % 10000000, 'application/pdf', 'u/{uid}/' || printf('%08x%024x', {index}, n), "
            f"{CREATED_BASE} + n, {CREATED_BASE} + n FROM seq"
            for start in range(1, count + 1, 50_000)
        ]
        statements.append(
            f"UPDATE users SET file_count = {count}, used_bytes = (SELECT coalesce(sum(size), 0) FROM files WHERE owner_id = '{uid}') "
            f"WHERE id = '{uid}'"
        )
    token_hash = hashlib.sha256(SHARE_TOKEN.encode()).hexdigest()
    statements.append(
        "INSERT INTO shares (id, owner_id, file_id, token_hash, created_at) "
        f"VALUES ('{'5' * 32}', '{user_id('small')}', '{file_id(1, 1)}', '{token_hash}', 0)"
    )
    statements += folder_link_seed()
    return ";\n".join(statements) + ";\n"


# A folder link over 10,000 files (issue 13): resolving one of its files should cost what a
# one-file link does. The files lie in /big and /big/sub; /bigger, beside it, holds 1,000 more
# that the link must not hold (and that a prefix match would).
FOLDER_TOKEN = "BenchFolderToken0123456789abcdefghijklmnopq"  # 43 base64url characters
FOLDER_FILES = 10_000


def folder_link_seed() -> list[str]:
    uid = user_id("folder")
    return [
        f"INSERT INTO users (id, email, email_canonical, password_hash, created_at) "
        f"VALUES ('{uid}', 'folder@bench.test', 'folder@bench.test', 'x', 0)",
        "INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, created_at, updated_at) "
        f"WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {FOLDER_FILES + 1000}) "
        f"SELECT printf('%08x%024x', 9, n), '{uid}', printf('Photo %05d.jpg', n), printf('photo %05d.jpg', n), "
        f"CASE WHEN n > {FOLDER_FILES} THEN '/bigger' WHEN n % 2 = 0 THEN '/big' ELSE '/big/sub' END, "
        f"1000, 'image/jpeg', 'u/{uid}/' || printf('%08x%024x', 9, n), {CREATED_BASE} + n, {CREATED_BASE} + n FROM seq",
        f"UPDATE users SET file_count = {FOLDER_FILES + 1000}, used_bytes = {(FOLDER_FILES + 1000) * 1000} WHERE id = '{uid}'",
        "INSERT INTO shares (id, owner_id, kind, folder, name, token_hash, created_at) "
        f"VALUES ('{'6' * 32}', '{uid}', 'folder', '/big', 'big', '{hashlib.sha256(FOLDER_TOKEN.encode()).hexdigest()}', 0)",
    ]


class Server:
    """A Worker served by bench/serve.mjs, and the workerd process that runs it."""

    def __init__(self, script: Path, port: int, extra: list[str], log: Path):
        env = dict(os.environ, PATH=f"{ROOT / 'node_modules/.bin'}:{os.environ['PATH']}")
        self.process = subprocess.Popen(
            ["node", str(ROOT / "bench/serve.mjs"), "--script", str(script), "--port", str(port), *extra],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=open(log, "w"), text=True, start_new_session=True,
        )
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            raise SystemExit(f"{script} did not start; see {log}")
        self.url = f"http://127.0.0.1:{port}"
        self.workerd = self.find_workerd()

    def find_workerd(self) -> int:
        output = subprocess.run(["pgrep", "-s", str(os.getpgid(self.process.pid)), "workerd"], capture_output=True, text=True)
        pids = [int(p) for p in output.stdout.split()]
        return max(pids, key=self.rss) if pids else self.process.pid

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.workerd}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def rss(pid: int) -> int:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0

    def stop(self):
        os.killpg(os.getpgid(self.process.pid), signal.SIGTERM)
        self.process.wait(timeout=20)


def wrk(url: str, headers: dict, server: Server) -> dict:
    """Fixed concurrency and duration, after an excluded warm-up run."""
    args = ["wrk", "-t1", f"-c{CONNECTIONS}", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    subprocess.run(args + ["-d2s", url], capture_output=True)
    before = server.cpu_seconds()
    out = subprocess.run(args + [f"-d{DURATION}s", url], capture_output=True, text=True).stdout
    cpu = server.cpu_seconds() - before
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    def percentile(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": percentile(50), "p99": percentile(99), "requests": requests,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "cpu_per_10k": cpu / requests * 10_000 if requests else 0,
    }


def http(method: str, url: str, body=None, headers=None) -> dict:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def timed_upload(method: str, url: str, path: Path, headers: list[str], server: Server | None) -> tuple[float, int]:
    """Seconds to PUT/POST the file with curl, and the peak RSS growth of workerd meanwhile."""
    peak, baseline, done = [0], Server.rss(server.workerd) if server else 0, threading.Event()
    def sample():
        while not done.is_set():
            if server:
                peak[0] = max(peak[0], Server.rss(server.workerd) - baseline)
            time.sleep(0.02)
    sampler = threading.Thread(target=sample)
    sampler.start()
    args = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-X", method, "-T", str(path)]
    for header in headers:
        args += ["-H", header]
    code, seconds = subprocess.run(args + [url], capture_output=True, text=True).stdout.split()
    done.set()
    sampler.join()
    if not code.startswith("2"):
        raise SystemExit(f"upload to {url} answered {code}")
    return float(seconds), peak[0]


def presigned_put(key: str, size: int, expires: int = 3600) -> str:
    """A plain SigV4 presigned PUT of `key` straight to the bench bucket (no Worker involved),
    signed for its exact Content-Length, as the Worker signs its own."""
    host, region, now = "127.0.0.1:9790", "us-east-1", datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    scope = f"{day}/{region}/s3/aws4_request"
    quote = lambda v: urllib.parse.quote(v, safe="-_.~")
    query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": f"{ACCESS_KEY}/{scope}", "X-Amz-Date": stamp,
             "X-Amz-Expires": str(expires), "X-Amz-SignedHeaders": "content-length;host"}
    canonical_query = "&".join(f"{quote(k)}={quote(v)}" for k, v in sorted(query.items()))
    path = f"/{BUCKET}/{urllib.parse.quote(key, safe='-_.~/')}"
    canonical = "\n".join(["PUT", path, canonical_query, f"content-length:{size}", f"host:{host}", "",
                           "content-length;host", "UNSIGNED-PAYLOAD"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key_bytes = ("AWS4" + SECRET_KEY).encode()
    for part in (day, region, "s3", "aws4_request"):
        key_bytes = hmac.new(key_bytes, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"http://{host}{path}?{canonical_query}&X-Amz-Signature={signature}"


def cli_upload(app_url: str, work: Path, blob: Path) -> float:
    """Seconds for `edgedrop upload` (release build, default --parallel) to send `blob`,
    signed in with a personal access token."""
    subprocess.run(["cargo", "build", "--release", "-p", "edgedrop-cli"], cwd=ROOT, check=True, capture_output=True)
    credentials = json.dumps({"email": "cli@bench.test", "password": "benchmark password"}).encode()
    http("POST", f"{app_url}/auth/register", credentials, {"content-type": "application/json"})
    jwt = http("POST", f"{app_url}/auth/login", credentials, {"content-type": "application/json"})["access_token"]
    token = http("POST", f"{app_url}/auth/tokens", json.dumps({"name": "bench", "scopes": ["files:write"]}).encode(),
                 {"content-type": "application/json", "Authorization": f"Bearer {jwt}"})["token"]
    env = dict(os.environ, EDGEDROP_SERVER=app_url, EDGEDROP_TOKEN=token, XDG_CONFIG_HOME=str(work / "cli-config"),
               XDG_STATE_HOME=str(work / "cli-state"))
    started = time.time()
    subprocess.run([str(ROOT / "target/release/edgedrop"), "upload", str(blob), "--folder", "/bench", "--json"], env=env,
                   check=True, capture_output=True)
    return time.time() - started


def query_plans() -> dict:
    """EXPLAIN QUERY PLAN of the listing and search statements, on the real schema."""
    db = sqlite3.connect(":memory:")
    for migration in sorted((ROOT / "migrations").glob("*.sql")):
        db.executescript(migration.read_text())
    listing = ("SELECT id FROM files WHERE owner_id = ?1 {extra} ORDER BY created_at DESC, id DESC LIMIT 51")
    cases = {
        "first page": listing.format(extra=""),
        "deep page": listing.format(extra="AND (created_at, id) < (?2, ?3)"),
        "search (3+ characters)": "SELECT files.id FROM files_search CROSS JOIN files ON files.rowid = files_search.rowid "
        "WHERE files_search MATCH ?1 AND files.owner_id = ?2 AND instr(files.name_folded, ?3) > 0 "
        "ORDER BY files.created_at DESC, files.id DESC LIMIT 51",
    }
    plans = {}
    for name, sql in cases.items():
        rows = db.execute(f"EXPLAIN QUERY PLAN {sql}", ("u", 1, "x")[: len(set(re.findall(r"\?\d", sql)))]).fetchall()
        plans[name] = (sql, [row[3] for row in rows])
    return plans


def main():
    subprocess.run(["make", "--no-print-directory", "build"], cwd=ROOT, check=True)
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target/bench-floor"))
    subprocess.run(["worker-build", "--release"], cwd=ROOT / "bench/floor", env=env, check=True, capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="edgedrop-bench-"))
    (work / "bucket" / BUCKET).mkdir(parents=True)
    (work / "seed.sql").write_text(seed_sql())
    s3 = subprocess.Popen([str(TOOLS / "bin/s3s-fs"), "--host", "127.0.0.1", "--port", "9790", "--access-key", ACCESS_KEY,
                           "--secret-key", SECRET_KEY, str(work / "bucket")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run_workloads(work, {}, time.time())
    finally:
        s3.terminate()


def run_workloads(work: Path, results: dict, started: float):
    """Every workload against the floor and edgedrop, then the report."""
    variables = {"SECRET_KEY": SECRET, "B2_ENDPOINT": "http://127.0.0.1:9790", "B2_REGION": "us-east-1", "B2_BUCKET": BUCKET,
                 "B2_ACCESS_KEY": ACCESS_KEY, "B2_SECRET_KEY": SECRET_KEY, "QUOTA_BYTES": "0",
                 "MULTIPART_THRESHOLD_BYTES": str(128 * MIB)}
    var_args = [arg for k, v in variables.items() for arg in ("--var", f"{k}={v}")]
    floor = Server(ROOT / "bench/floor/build/index.js", 8791, ["--migrations", "bench/floor/migrations"], work / "floor.log")
    try:
        results["floor /plain"] = wrk(f"{floor.url}/plain", {}, floor)
        results["floor /d1"] = wrk(f"{floor.url}/d1", {}, floor)
        results["floor /d1-write (context)"] = wrk(f"{floor.url}/d1-write", {}, floor)
    finally:
        floor.stop()
    seeding = time.time()
    app = Server(ROOT / "build/index.js", 8792, ["--migrations", "migrations", "--seed", str(work / "seed.sql"), *var_args],
                 work / "app.log")
    seeding = time.time() - seeding
    try:
        auth = {name: {"Authorization": f"Bearer {token_for(name)}"} for name in SIZES}
        results["1. share, JSON"] = wrk(f"{app.url}/share/{SHARE_TOKEN}", {"Accept": "application/json"}, app)
        results["1. share, redirect"] = wrk(f"{app.url}/share/{SHARE_TOKEN}", {}, app)
        results["1. folder link (10,000 files), a file, JSON"] = wrk(
            f"{app.url}/share/{FOLDER_TOKEN}/files/{file_id(9, FOLDER_FILES // 2)}", {"Accept": "application/json"}, app)
        results["2. download"] = wrk(f"{app.url}/files/{file_id(1, 1)}/download", auth["small"], app)
        for name, count in SIZES.items():
            results[f"3. list, {count:,} files"] = wrk(f"{app.url}/files?limit=50", auth[name], app)
        deep = SIZES["big"] - 900_000
        cursor = cursor_for(CREATED_BASE + deep, file_id(3, deep))
        results["3. list, 1,000,000 files, deep page"] = wrk(f"{app.url}/files?limit=50&cursor={cursor}", auth["big"], app)
        results["4. search, 100,000 files"] = wrk(f"{app.url}/files?limit=50&q=0042", auth["mid"], app)

        http("POST", f"{app.url}/auth/register", json.dumps({"email": "login@bench.test", "password": "benchmark password"}).encode(),
             {"content-type": "application/json"})
        login = json.dumps({"email": "login@bench.test", "password": "benchmark password"}).encode()
        before, started_login = app.cpu_seconds(), time.time()
        for _ in range(20):
            http("POST", f"{app.url}/auth/login", login, {"content-type": "application/json"})
        results["5. login"] = {"cpu_ms": (app.cpu_seconds() - before) / 20 * 1000,
                               "wall_ms": (time.time() - started_login) / 20 * 1000}

        blob = work / "upload.bin"
        blob.write_bytes(os.urandom(90 * MIB))
        upload_headers = [f"Authorization: {auth['small']['Authorization']}", "Content-Type: application/octet-stream"]
        worker_seconds, worker_rss = timed_upload("POST", f"{app.url}/files/upload?name=big.bin", blob, upload_headers, app)
        ticket = http("POST", f"{app.url}/files/uploads", json.dumps({"name": "direct.bin", "size": 90 * MIB}).encode(),
                      {"content-type": "application/json", **auth["small"]})
        direct_seconds, _ = timed_upload("PUT", ticket["url"], blob, [], None)
        results["6. upload 90 MiB"] = {"worker_s": worker_seconds, "direct_s": direct_seconds, "rss_growth": worker_rss}

        # The CLI (parallel multipart parts straight to the bucket) against one plain
        # presigned PUT of the same 256 MiB file, one after the other in this run.
        blob = work / "cli.bin"
        blob.write_bytes(os.urandom(256 * MIB))
        put_seconds, _ = timed_upload("PUT", presigned_put("bench/plain-put.bin", 256 * MIB), blob, [], None)
        cli_seconds = cli_upload(app.url, work, blob)
        results["7. CLI upload 256 MiB"] = {"cli_s": cli_seconds, "put_s": put_seconds}
    finally:
        app.stop()
    wasm = (ROOT / "build/index_bg.wasm").read_bytes()
    shim = (ROOT / "build/index.js").read_bytes()
    results["8. bundle"] = {"wasm": len(wasm), "wasm_gz": len(gzip.compress(wasm, 9)),
                            "js": len(shim), "js_gz": len(gzip.compress(shim, 9))}
    report(results, query_plans(), seeding, time.time() - started)


def report(r: dict, plans: dict, seeding: float, total: float):
    floor_d1 = r["floor /d1"]["rps"]
    def ratio(name):
        return r[name]["rps"] / floor_d1
    def mark(ok):
        return "**met**" if ok else "**not met**"
    lines = [
        "# Benchmarks",
        "",
        f"Run on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC} with `make bench` "
        f"({total / 60:.1f} minutes, of which seeding 1.1 million rows took {seeding:.0f} s).",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu_model()}), {memory_gib():.0f} GiB, {platform.system()} {platform.release()}; "
        "the load generator runs on the same two cores, so every throughput is also given as a ratio "
        "to the floor measured in the same run.",
        "",
        "How: both Workers are built with the same toolchain and served by workerd through Miniflare's API "
        "(`bench/serve.mjs`: local D1, no wrangler live-reload proxy); s3s-fs is the bucket; "
        f"`wrk -t1 -c{CONNECTIONS} -d{DURATION}s --latency` after a 2 s warm-up that is not counted. "
        "CPU is the workerd process's user+system time during the measured run.",
        "",
        "## Throughput and latency",
        "",
        "| Workload | req/s | × floor `/d1` | p50 ms | p99 ms | workerd CPU s / 10k req | non-2xx/3xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, m in r.items():
        if "rps" in m:
            lines.append(f"| {name} | {m['rps']:.0f} | {m['rps'] / floor_d1:.2f} | {m['p50']:.2f} | {m['p99']:.2f} | "
                         f"{m['cpu_per_10k']:.2f} | {m['errors']} |")
    big, small = r["3. list, 1,000,000 files"], r["3. list, 1,000 files"]
    deep = r["3. list, 1,000,000 files, deep page"]
    list_mid, search = r["3. list, 100,000 files"], r["4. search, 100,000 files"]
    login, upload, bundle = r["5. login"], r["6. upload 90 MiB"], r["8. bundle"]
    cli = r["7. CLI upload 256 MiB"]
    cli_ratio = cli["put_s"] / cli["cli_s"]
    floor_write = r["floor /d1-write (context)"]["rps"]
    throughput_ratio = upload["direct_s"] / upload["worker_s"]
    lines += [
        "",
        "## Targets",
        "",
        "| Target | Figure | |",
        "|---|---|---|",
        f"| share (JSON) ≥ 0.8 × floor `/d1` | {ratio('1. share, JSON'):.2f} | {mark(ratio('1. share, JSON') >= 0.8)} |",
        f"| share (redirect) ≥ 0.8 × floor `/d1` | {ratio('1. share, redirect'):.2f} | {mark(ratio('1. share, redirect') >= 0.8)} |",
        f"| download ≥ 0.8 × floor `/d1` | {ratio('2. download'):.2f} | {mark(ratio('2. download') >= 0.8)} |",
        f"| file of a 10,000-file folder link ≥ 1/1.2 × share (JSON) | "
        f"{r['1. folder link (10,000 files), a file, JSON']['rps'] / r['1. share, JSON']['rps']:.2f} | "
        f"{mark(r['1. folder link (10,000 files), a file, JSON']['rps'] * 1.2 >= r['1. share, JSON']['rps'])} |",
        f"| (context) share, JSON × floor `/d1-write` | {r['1. share, JSON']['rps'] / floor_write:.2f} | |",
        f"| list, first page ≥ 0.5 × floor `/d1` (1M files) | {ratio('3. list, 1,000,000 files'):.2f} | "
        f"{mark(ratio('3. list, 1,000,000 files') >= 0.5)} |",
        f"| list p50 at 1M ≤ 1.5 × p50 at 1k (first page) | {big['p50'] / small['p50']:.2f} | {mark(big['p50'] <= 1.5 * small['p50'])} |",
        f"| list p50 at 1M ≤ 1.5 × p50 at 1k (deep page) | {deep['p50'] / small['p50']:.2f} | {mark(deep['p50'] <= 1.5 * small['p50'])} |",
        f"| search p50 at 100k ≤ 3 × list p50 at 100k | {search['p50'] / list_mid['p50']:.2f} | "
        f"{mark(search['p50'] <= 3 * list_mid['p50'])} |",
        f"| upload through the Worker ≥ 0.7 × direct to the bucket | {throughput_ratio:.2f} "
        f"({90 / upload['worker_s']:.0f} vs {90 / upload['direct_s']:.0f} MiB/s) | {mark(throughput_ratio >= 0.7)} |",
        f"| workerd RSS grows < 64 MiB during a 90 MiB upload | {upload['rss_growth'] / MIB:.1f} MiB | "
        f"{mark(upload['rss_growth'] < 64 * MIB)} |",
        f"| `edgedrop upload` of 256 MiB ≥ 1 × a plain presigned PUT of it | {cli_ratio:.2f} "
        f"({256 / cli['cli_s']:.0f} vs {256 / cli['put_s']:.0f} MiB/s) | {mark(cli_ratio >= 1.0)} |",
        f"| wasm ≤ 400 KiB gzipped | {bundle['wasm_gz'] / 1024:.0f} KiB | {mark(bundle['wasm_gz'] <= 400 * 1024)} |",
        "",
        "## Login (Argon2id, m=19 MiB, t=2, p=1)",
        "",
        f"{login['cpu_ms']:.0f} ms of workerd CPU per login ({login['wall_ms']:.0f} ms wall), 20 sequential logins.",
        "",
        "## Bundle",
        "",
        f"- `build/index_bg.wasm`: {bundle['wasm'] / 1024:.0f} KiB, {bundle['wasm_gz'] / 1024:.0f} KiB gzipped",
        f"- `build/index.js` (the JS shim): {bundle['js'] / 1024:.0f} KiB, {bundle['js_gz'] / 1024:.0f} KiB gzipped",
        "",
        "## Query plans",
        "",
        "On the schema of `migrations/` (SQLite's `EXPLAIN QUERY PLAN`). The native tests "
        "`every_statement_is_sampled_and_none_scans_a_table` (one per area of `src/db/`) and "
        "`db::files::tests::every_listing_walks_an_index_in_order` "
        "check every statement, and every combination of listing parameters, the same way:",
        "",
    ]
    for name, (sql, plan) in plans.items():
        lines += [f"- {name}: `{sql}`", *[f"  - `{step}`" for step in plan]]
    out = ROOT / "docs/benchmarks.md"
    existing = out.read_text() if out.exists() else ""
    notes = existing.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in existing else "\n"
    out.write_text("\n".join(lines) + "\n\n<!-- notes -->" + notes)
    print(out.read_text())


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0


if __name__ == "__main__":
    sys.exit(main())
