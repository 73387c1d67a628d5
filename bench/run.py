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
import re
import shutil
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

import peer
import report

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(os.environ.get("TOOLS", Path.home() / ".cache/edgedrop/tools"))
SECRET = "bench-secret-0123456789abcdef-0123456789"
ACCESS_KEY, SECRET_KEY, BUCKET = "bench-access", "bench-secret-access", "edgedrop"
DURATION = int(os.environ.get("BENCH_SECONDS", "8"))
CONNECTIONS = 8
SIZES = {"small": 1_000, "mid": 100_000, "big": 1_000_000}
CREATED_BASE = 1_750_000_000_000
SHARE_TOKEN = "BenchShareToken0123456789abcdefghijklmnopqr"  # 43 base64url characters
# A link with a download limit (too high to run out): counted synchronously, beside the
# unlimited one above, whose visits go through the events queue.
LIMITED_SHARE_TOKEN = "BenchLimitedToken0123456789abcdefghijklmnop"
MIB = 1024 * 1024
# The Workers listen on PORT+1.., the bucket on PORT+1000: BENCH_PORT moves them all, so two
# runs on one machine (say, from two work trees) do not take each other's ports.
PORT = int(os.environ.get("BENCH_PORT", "8790"))
# BENCH_S3_PORT and BENCH_APP_PORT move the bucket and edgedrop alone.
S3_PORT = int(os.environ.get("BENCH_S3_PORT", str(PORT + 1000)))
APP_PORT = int(os.environ.get("BENCH_APP_PORT", str(PORT + 2)))
S3 = f"127.0.0.1:{S3_PORT}"
S3_PID = [0]  # set by main(): whose CPU the CLI section reads
# BENCH_ONLY=download,list runs only those groups of workloads (and the floor, which every
# ratio needs), prints the figures and leaves docs/benchmarks.md alone. Groups: share,
# download, list, search, login, upload, cli, cold, peer (the peer beside edgedrop's rows);
# BENCH_ONLY=cli alone runs the CLI against a plain PUT, BENCH_REPEAT times (see run_cli_only).
ONLY = {group.strip() for group in os.environ.get("BENCH_ONLY", "").split(",") if group.strip()}


def wanted(group: str) -> bool:
    """Whether this run measures `group` (every group when BENCH_ONLY is unset)."""
    return not ONLY or group in ONLY


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


def seed_sql(sizes: dict) -> str:
    """Users with 1k, 100k and 1M files (those of `sizes`), generated inside SQLite by
    recursive CTEs (a bulk load, not one HTTP call per row), plus one share with a known token."""
    statements = []
    for index, (name, count) in enumerate(sizes.items(), start=1):
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
    limited_hash = hashlib.sha256(LIMITED_SHARE_TOKEN.encode()).hexdigest()
    statements.append(
        "INSERT INTO shares (id, owner_id, file_id, token_hash, created_at, max_downloads) "
        f"VALUES ('{'7' * 32}', '{user_id('small')}', '{file_id(1, 1)}', '{limited_hash}', 0, 1000000000000)"
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
        self.started = time.time()
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
    host, region, now = S3, "us-east-1", datetime.datetime.now(datetime.timezone.utc)
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


def cpu_of(pid: int) -> float:
    """User+system CPU seconds of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cli_token(app_url: str) -> str:
    """A personal access token (files:write) of a new user, as `edgedrop login` would make one."""
    credentials = json.dumps({"email": "cli@bench.test", "password": "benchmark password"}).encode()
    http("POST", f"{app_url}/auth/register", credentials, {"content-type": "application/json"})
    jwt = http("POST", f"{app_url}/auth/login", credentials, {"content-type": "application/json"})["access_token"]
    return http("POST", f"{app_url}/auth/tokens", json.dumps({"name": "bench", "scopes": ["files:write"]}).encode(),
                {"content-type": "application/json", "Authorization": f"Bearer {jwt}"})["token"]


def cli_upload(app_url: str, token: str, work: Path, blob: Path, folder: str, extra) -> dict:
    """`edgedrop upload` (the release build main() made first) of `blob`: its wall time
    and the phases it reports with --verbose (creating the upload, sending the parts,
    completing)."""
    if isinstance(extra, dict):  # {"args": [...], "env": {...}}
        extra, variables = extra.get("args", []), extra.get("env", {})
    else:
        variables = {}
    env = dict(os.environ, EDGEDROP_SERVER=app_url, EDGEDROP_TOKEN=token, XDG_CONFIG_HOME=str(work / "cli-config"),
               XDG_STATE_HOME=str(work / "cli-state"), **variables)
    started, s3_cpu = time.time(), cpu_of(S3_PID[0])
    done = subprocess.run([str(ROOT / "target/release/edgedrop"), "upload", str(blob), "--folder", folder, "--json",
                           "--verbose", *extra], env=env, check=True, capture_output=True, text=True)
    seconds, s3_cpu = time.time() - started, cpu_of(S3_PID[0]) - s3_cpu
    phases = {k: float(v) / 1000 for k, v in re.findall(r"(\w+)=(\d+)ms", done.stderr)}
    parts = json.loads(done.stdout)[0]["parts_total"]
    return {"cli_s": seconds, "parts": parts, "s3_cpu_s": s3_cpu, **{f"{k}_s": v for k, v in phases.items()}}


def cli_vs_put(app_url: str, token: str, work: Path, repeat: int, variants: dict) -> dict:
    """The CLI against one plain presigned PUT of the same 256 MiB file to the same s3s-fs,
    `repeat` times, alternating which goes first; each variant of the CLI's options is run
    in every round. The figures are the medians of the rounds."""
    blob = work / "cli.bin"
    blob.write_bytes(os.urandom(256 * MIB))
    rounds = []
    for n in range(repeat):
        row = {}
        def put():
            s3_cpu = cpu_of(S3_PID[0])
            row["put_s"], _ = timed_upload("PUT", presigned_put(f"bench/plain-put-{n}.bin", 256 * MIB), blob, [], None)
            row["put_s3_cpu_s"] = cpu_of(S3_PID[0]) - s3_cpu
        if n % 2:
            put()
        for name, extra in variants.items():
            row[name] = cli_upload(app_url, token, work, blob, f"/bench/{name}/{n}", extra)
        if not n % 2:
            put()
        rounds.append(row)
        print(f"round {n + 1}: plain PUT {row['put_s']:.2f} s (s3 cpu {row['put_s3_cpu_s']:.2f}); " + "; ".join(
            f"{name} {m['cli_s']:.2f} s ({row['put_s'] / m['cli_s']:.2f}x, "
            + ", ".join(f"{k[:-2]} {v:.2f}" for k, v in m.items() if k.endswith("_s") and k != "cli_s") + ")"
            for name, m in row.items() if isinstance(m, dict)), flush=True)
    median = lambda values: sorted(values)[len(values) // 2]
    result = {"put_s": median([r["put_s"] for r in rounds]), "rounds": len(rounds),
              "put_s3_cpu_s": median([r["put_s3_cpu_s"] for r in rounds]),
              "ratios": {name: median([r["put_s"] / r[name]["cli_s"] for r in rounds]) for name in variants}}
    for name in variants:
        result[name] = {k: median([r[name][k] for r in rounds]) for k in rounds[0][name]}
    return result


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
    # Everything built first, so no build competes with a measurement for the two cores.
    subprocess.run(["make", "--no-print-directory", "build"], cwd=ROOT, check=True)
    if wanted("cli"):
        subprocess.run(["cargo", "build", "--release", "-p", "edgedrop-cli"], cwd=ROOT, check=True, capture_output=True)
    cli_only = ONLY == {"cli"}
    if not cli_only:
        env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target/bench-floor"))
        subprocess.run(["worker-build", "--release"], cwd=ROOT / "bench/floor", env=env, check=True, capture_output=True)
    peer_script = peer.build() if wanted("peer") and not cli_only else None
    work = Path(tempfile.mkdtemp(prefix="edgedrop-bench-"))
    (work / "bucket" / BUCKET).mkdir(parents=True)
    # The 100k and 1M users take most of the seeding; a run without listings skips them.
    sizes = SIZES if wanted("list") or wanted("search") else {"small": SIZES["small"]}
    (work / "seed.sql").write_text(seed_sql(sizes))
    s3 = subprocess.Popen([str(TOOLS / "bin/s3s-fs"), "--host", "127.0.0.1", "--port", str(S3_PORT), "--access-key", ACCESS_KEY,
                           "--secret-key", SECRET_KEY, str(work / "bucket")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    S3_PID[0] = s3.pid
    try:
        time.sleep(0.5)
        if s3.poll() is not None:
            raise SystemExit(f"s3s-fs did not start (is port {S3_PORT} taken? set BENCH_PORT or BENCH_S3_PORT)")
        if cli_only:
            run_cli_only(work)
        else:
            run_workloads(work, {}, time.time(), peer_script)
    finally:
        s3.terminate()
        # The bucket, the blobs and the seeded databases take gigabytes; the logs stay on failure.
        for blob in [work / "bucket", *work.glob("*.bin")]:
            shutil.rmtree(blob, ignore_errors=True) if blob.is_dir() else blob.unlink(missing_ok=True)
    shutil.rmtree(work, ignore_errors=True)


VARIABLES = {"SECRET_KEY": SECRET, "B2_ENDPOINT": f"http://{S3}", "B2_REGION": "us-east-1", "B2_BUCKET": BUCKET,
             "B2_ACCESS_KEY": ACCESS_KEY, "B2_SECRET_KEY": SECRET_KEY, "QUOTA_BYTES": "0",
             "MULTIPART_THRESHOLD_BYTES": str(128 * MIB)}


def var_args(variables: dict) -> list[str]:
    return [arg for k, v in variables.items() for arg in ("--var", f"{k}={v}")]


# What `make bench` runs of the CLI; `BENCH_ONLY=cli` runs the variants of
# BENCH_CLI_VARIANTS instead (JSON: name -> extra arguments of `edgedrop upload`, or
# {"args": [...], "env": {...}}).
CLI_VARIANTS = {"default": []}


def run_cli_only(work: Path):
    """`BENCH_ONLY=cli python3 bench/run.py`: only the CLI against a plain PUT (no seed, no
    floor, no report written), BENCH_REPEAT rounds (5 by default)."""
    variants = json.loads(os.environ.get("BENCH_CLI_VARIANTS", "null")) or CLI_VARIANTS
    app = Server(ROOT / "build/index.js", APP_PORT, ["--migrations", "migrations", *var_args(VARIABLES)], work / "app.log")
    try:
        result = cli_vs_put(app.url, cli_token(app.url), work, int(os.environ.get("BENCH_REPEAT", "5")), variants)
    finally:
        app.stop()
    print(json.dumps(result, indent=2))


def run_workloads(work: Path, results: dict, started: float, peer_script: Path | None):
    """Every workload against the floor, edgedrop and the peer, then the report."""
    floor = Server(ROOT / "bench/floor/build/index.js", PORT + 1, ["--migrations", "bench/floor/migrations"], work / "floor.log")
    try:
        results["floor /plain"] = wrk(f"{floor.url}/plain", {}, floor)
        results["floor /d1"] = wrk(f"{floor.url}/d1", {}, floor)
        results["floor /d1-session (context)"] = wrk(f"{floor.url}/d1-session", {}, floor)
        results["floor /d1-write (context)"] = wrk(f"{floor.url}/d1-write", {}, floor)
    finally:
        floor.stop()
    seeding = time.time()
    app = Server(ROOT / "build/index.js", APP_PORT, ["--migrations", "migrations", "--seed", str(work / "seed.sql"),
                                                  *var_args(VARIABLES)], work / "app.log")
    seeding = time.time() - seeding
    rival = None
    try:
        rival = PeerServer(peer_script, work) if peer_script else None

        def row(name: str, path: str, headers: dict):
            """Edgedrop's row, then the peer's for the same path."""
            results[name] = wrk(app.url + path, headers, app)
            if rival:
                rival.measure(name, results)

        auth = {name: {"Authorization": f"Bearer {token_for(name)}"} for name in SIZES}
        if wanted("share"):
            row("1. share, JSON", f"/share/{SHARE_TOKEN}", {"Accept": "application/json"})
            row("1. share, redirect", f"/share/{SHARE_TOKEN}", {})
            row("1. share, limited link, JSON", f"/share/{LIMITED_SHARE_TOKEN}", {"Accept": "application/json"})
            row("1. folder link (10,000 files), a file, JSON",
                f"/share/{FOLDER_TOKEN}/files/{file_id(9, FOLDER_FILES // 2)}", {"Accept": "application/json"})
        if wanted("download"):
            row("2. download", f"/files/{file_id(1, 1)}/download", auth["small"])
        if wanted("list"):
            for name, count in SIZES.items():
                row(f"3. list, {count:,} files", "/files?limit=50", auth[name])
            deep = SIZES["big"] - 900_000
            cursor = cursor_for(CREATED_BASE + deep, file_id(3, deep))
            results["3. list, 1,000,000 files, deep page"] = wrk(f"{app.url}/files?limit=50&cursor={cursor}", auth["big"], app)
        if wanted("search"):
            results["4. search, 100,000 files"] = wrk(f"{app.url}/files?limit=50&q=0042", auth["mid"], app)
        if wanted("login"):
            results["5. login"] = logins(app)
        if wanted("upload"):
            results["6. upload 90 MiB"] = uploads(app, work, auth["small"])
        if wanted("cli"):
            # The CLI (parallel multipart parts straight to the bucket) against one plain
            # presigned PUT of the same 256 MiB file, in alternating order, three rounds.
            cli = cli_vs_put(app.url, cli_token(app.url), work, 3, CLI_VARIANTS)
            results["7. CLI upload 256 MiB"] = {"put_s": cli["put_s"], "put_s3_cpu_s": cli["put_s3_cpu_s"],
                                                "ratio": cli["ratios"]["default"], **cli["default"]}
    finally:
        app.stop()
        if rival:
            rival.stop()
    if wanted("cold"):
        results["9. cold start"] = cold_starts(work, peer_script)
    wasm = (ROOT / "build/index_bg.wasm").read_bytes()
    shim = (ROOT / "build/index.js").read_bytes()
    results["8. bundle"] = {"wasm": len(wasm), "wasm_gz": len(gzip.compress(wasm, 9)),
                            "js": len(shim), "js_gz": len(gzip.compress(shim, 9))}
    report.write(results, query_plans(), seeding, time.time() - started,
                 connections=CONNECTIONS, duration=DURATION, only=ONLY)


def logins(app: Server) -> dict:
    """Workerd CPU and wall time of 20 sequential Argon2id logins."""
    credentials = json.dumps({"email": "login@bench.test", "password": "benchmark password"}).encode()
    http("POST", f"{app.url}/auth/register", credentials, {"content-type": "application/json"})
    before, started = app.cpu_seconds(), time.time()
    for _ in range(20):
        http("POST", f"{app.url}/auth/login", credentials, {"content-type": "application/json"})
    return {"cpu_ms": (app.cpu_seconds() - before) / 20 * 1000, "wall_ms": (time.time() - started) / 20 * 1000}


def uploads(app: Server, work: Path, auth: dict) -> dict:
    """A 90 MiB upload streamed through the Worker, and the same bytes PUT straight to the bucket."""
    blob = work / "upload.bin"
    blob.write_bytes(os.urandom(90 * MIB))
    upload_headers = [f"Authorization: {auth['Authorization']}", "Content-Type: application/octet-stream"]
    worker_seconds, worker_rss = timed_upload("POST", f"{app.url}/files/upload?name=big.bin", blob, upload_headers, app)
    ticket = http("POST", f"{app.url}/files/uploads", json.dumps({"name": "direct.bin", "size": 90 * MIB}).encode(),
                  {"content-type": "application/json", **auth})
    direct_seconds, _ = timed_upload("PUT", ticket["url"], blob, [], None)
    return {"worker_s": worker_seconds, "direct_s": direct_seconds, "rss_growth": worker_rss}


# The peer's rows are named after edgedrop's, with this prefix (see report.COMPARED).
PEER = report.PEER


class PeerServer:
    """The peer, served beside edgedrop by the same runtime, D1 and bucket, so that each of
    its rows is measured right after edgedrop's own (this machine's load moves within minutes)."""

    def __init__(self, script: Path, work: Path):
        big = SIZES["big"] if wanted("list") else 0
        seed, ids = peer.seed(work, big)
        variables = dict(VARIABLES, SECRET_KEY=peer.SECRET)
        self.server = Server(script, PORT + 3, ["--migrations", str(peer.SOURCE / "migrations"), "--seed", str(seed),
                                                *var_args(variables)], work / "peer.log")
        small, large = {"Authorization": f"Bearer {ids['jwt']}"}, {"Authorization": f"Bearer {ids['big_jwt']}"}
        self.urls = {
            "2. download": (f"/files/{ids['file']}/download", small),
            "3. list, 1,000 files": ("/files?limit=50", small),
            "1. share, JSON": (f"/share/{ids['share']}", {"Accept": "application/json"}),
            "1. share, redirect": (f"/share/{ids['share']}", {}),
        }
        if big:
            self.urls["3. list, 1,000,000 files"] = ("/files?limit=50", large)

    def measure(self, name: str, results: dict):
        """The peer's row for edgedrop's workload `name`, if the peer serves that path."""
        if name in self.urls:
            path, headers = self.urls[name]
            results[PEER + name] = wrk(self.server.url + path, headers, self.server)

    def stop(self):
        self.server.stop()


def cold_starts(work: Path, peer_script: Path | None, rounds: int = 3) -> dict:
    """Seconds from starting to serve a freshly loaded Worker (no migrations, no seed) to its
    first answered request, on a route that touches neither D1 nor the bucket; the median of
    `rounds`, for edgedrop, the peer and the floor."""
    workers = {"floor": (ROOT / "bench/floor/build/index.js", "/plain", []),
               "edgedrop": (ROOT / "build/index.js", "/healthz", var_args(VARIABLES))}
    if peer_script:
        workers["peer"] = (peer_script, "/healthz", var_args(dict(VARIABLES, SECRET_KEY=peer.SECRET)))
    medians = {}
    for name, (script, path, extra) in workers.items():
        times = []
        for _ in range(rounds):
            server = Server(script, PORT + 4, extra, work / f"cold-{name}.log")
            try:
                with urllib.request.urlopen(server.url + path) as response:
                    response.read()
                times.append(time.time() - server.started)
            finally:
                server.stop()
        medians[name] = sorted(times)[len(times) // 2]
    return medians


if __name__ == "__main__":
    sys.exit(main())
