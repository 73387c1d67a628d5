"""The peer: the Worker a TypeScript developer would write for edgedrop's hot paths (Hono +
jose + aws4fetch + D1), kept read-only in shared/peer-ts as the yardstick of issue 15.

`build()` copies it into target/bench-peer, installs its locked dependencies there with
`npm ci` (the npm registry only) and bundles it with esbuild, exactly as its README says.
`seed()` runs its own seed.py and adds, by a recursive CTE in SQLite, a second user with a
million files, so that the peer's listing is measured at the same sizes as edgedrop's.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(os.environ.get("PEER_TS", ROOT.parent / "shared/peer-ts"))
BUILD = ROOT / "target/bench-peer"
# The key the peer's seed.py signs its JWT with (its README names it).
SECRET = "peer-secret-key-peer-secret-key-0123456789"
# A loader that expects a wasm module beside the script is given an empty one.
EMPTY_WASM = b"\0asm\x01\0\0\0"
BIG_USER = "user-big"


def build() -> Path:
    """The peer's bundle (rebuilt when its source or lock file changed); returns the script."""
    if not SOURCE.is_dir():
        raise SystemExit(f"the peer is not at {SOURCE} (set PEER_TS to its folder)")
    stamp = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(SOURCE.rglob("*")) if p.is_file())).hexdigest()
    out = BUILD / "out"
    script = out / "index.js"
    if (BUILD / "stamp").exists() and (BUILD / "stamp").read_text() == stamp and script.exists():
        return script
    shutil.rmtree(BUILD, ignore_errors=True)
    shutil.copytree(SOURCE, BUILD / "src", ignore=shutil.ignore_patterns("node_modules", "seed.sql", "seed.json"))
    for path in (BUILD / "src").rglob("*"):  # the copy keeps the read-only bits of shared/
        path.chmod(0o755 if path.is_dir() else 0o644)
    (BUILD / "src").chmod(0o755)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=BUILD / "src", check=True,
                   capture_output=True)
    out.mkdir(parents=True)
    subprocess.run([str(BUILD / "src/node_modules/.bin/esbuild"), "src/index.ts", "--bundle", "--format=esm",
                    "--platform=browser", "--conditions=workerd,worker,browser", "--minify", f"--outfile={script}"],
                   cwd=BUILD / "src", check=True, capture_output=True)
    (out / "index_bg.wasm").write_bytes(EMPTY_WASM)
    (BUILD / "stamp").write_text(stamp)
    return script


def jwt_for(user: str) -> str:
    """An HS256 JWT for `user`, as the peer's seed.py signs one."""
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    now = int(time.time())
    body = b64(json.dumps({"sub": user, "iat": now, "exp": now + 86400}).encode())
    signature = b64(hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest())
    return f"{head}.{body}.{signature}"


def seed(work: Path, big: int) -> tuple[Path, dict]:
    """The peer's seed statements (its own seed.py: 1,000 files and 10 shares for user-1,
    plus `big` files for a second user) and what the workloads need: JWTs, a file id, a
    share token."""
    folder = work / "peer-seed"
    folder.mkdir(exist_ok=True)
    subprocess.run(["python3", str(SOURCE / "seed.py"), "1000", "10"], cwd=folder, check=True, capture_output=True)
    seeded = json.loads((folder / "seed.json").read_text())
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    statements = [f"INSERT INTO users VALUES ('{BIG_USER}', 'big@example.com', '{start.isoformat()}');"]
    # The same row shape as seed.py's, made inside SQLite in chunks of 50,000.
    for first in range(0, big, 50_000):
        last = min(first + 49_999, big - 1)
        stamp = "strftime('%Y-%m-%dT%H:%M:%SZ', '2026-01-01', '+' || n || ' seconds')"
        statements.append(
            f"INSERT INTO files WITH RECURSIVE seq(n) AS (SELECT {first} UNION ALL SELECT n + 1 FROM seq WHERE n < {last}) "
            f"SELECT printf('b%08d', n), '{BIG_USER}', 'file-' || n || '.bin', '/bulk', 1000 + n, "
            f"'application/octet-stream', 'u/{BIG_USER}/' || printf('b%08d', n), {stamp}, {stamp} FROM seq;")
    sql = folder / "seed.sql"
    sql.write_text((folder / "seed.sql").read_text() + "\n".join(statements) + "\n")
    return sql, {"jwt": seeded["jwt"], "big_jwt": jwt_for(BIG_USER), "file": seeded["file_ids"][0],
                 "share": seeded["tokens"][0]}
