"""Where a hot-path request of edgedrop spends its work, counted rather than timed (the
machine is shared, so wall-clock figures move from run to run):

- JS<->wasm crossings per request, by function: a copy of the built shim whose imports and
  exports count their calls (GET /__crossings answers and resets the counts);
- workerd CPU per request (process user+system time over a fixed number of requests),
  beside the floor's one-query read, repeated;
- A/B of builds: each build directory (a copy of `build/` made with one change) served side
  by side with the floor, measured in alternating rounds, so the machine's drift hits all
  of them alike (medians and minima printed).

    python3 bench/hotpath.py [crossings|cpu]...     (after `make build` and the floor's build)
    python3 bench/hotpath.py ab DIR... [--paths download,list,"share JSON"] [--rounds 5]

Nothing here runs in CI or in `make bench`; it is the tool behind the profile in
docs/benchmarks.md.
"""

import json
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import run
from run import (BUCKET, ROOT, SHARE_TOKEN, TOOLS, VARIABLES, Server, file_id, seed_sql, token_for, var_args, wrk)

COUNTING_PRELUDE = r"""
globalThis.__crossings = {};
function __countIn(obj, prefix) {
  const wrapped = {};
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== "function") { wrapped[k] = v; continue; }
    const name = prefix + k;
    wrapped[k] = function (...a) { globalThis.__crossings[name] = (globalThis.__crossings[name] || 0) + 1; return v.apply(this, a); };
  }
  return wrapped;
}
function __countImports(imports) {
  const out = {};
  for (const [ns, fns] of Object.entries(imports)) out[ns] = __countIn(fns, "import:");
  return out;
}
"""


def counting_copy(build: Path, out: Path) -> Path:
    """A copy of a built Worker (`build`: index.js and index_bg.wasm) whose shim counts every
    crossing (names are wasm-bindgen's)."""
    out.mkdir(parents=True, exist_ok=True)
    js = (build / "index.js").read_text()
    instance = re.search(r"new WebAssembly\.Instance\((\w+),(\w+)\(\)\)", js)
    exports = re.search(r"(\w+)=(\w+)\.exports", js)
    fetch = re.search(r"(\w+)\.prototype\.fetch=function\((\w)\)\{", js)
    if not (instance and exports and fetch):
        raise SystemExit("the shim's shape changed; adapt bench/hotpath.py")
    js = js.replace(instance.group(0), f"new WebAssembly.Instance({instance[1]},__countImports({instance[2]}()))")
    js = js.replace(exports.group(0), f'{exports[1]}=__countIn({exports[2]}.exports,"export:")')
    request = fetch[2]
    js = js.replace(fetch.group(0), fetch.group(0) + f'if({request}.url.endsWith("/__crossings")){{const c=globalThis.__crossings;'
                    'globalThis.__crossings={};return new Response(JSON.stringify(c));}')
    head = js.index(";", js.index("_bg.wasm")) + 1
    (out / "index.js").write_text(js[:head] + COUNTING_PRELUDE + js[head:])
    (out / "index_bg.wasm").write_bytes((build / "index_bg.wasm").read_bytes())
    return out / "index.js"


def paths() -> dict:
    auth = {"Authorization": f"Bearer {token_for('small')}"}
    return {
        "download": (f"/files/{file_id(1, 1)}/download", auth),
        "list": ("/files?limit=50", auth),
        "share JSON": (f"/share/{SHARE_TOKEN}", {"Accept": "application/json"}),
        "share 302": (f"/share/{SHARE_TOKEN}", {}),
    }


def get(url: str, headers: dict) -> bytes:
    request = urllib.request.Request(url, headers=headers)
    opener = urllib.request.build_opener(NoRedirect)
    with opener.open(request) as response:
        return response.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, req, fp, code, msg, headers):
        return fp


def crossings(work: Path, n: int = 20):
    """Crossings per request of each hot path, by function, after one warm-up request."""
    script = counting_copy(ROOT / "build", work / "counting")
    app = Server(script, run.PORT + 5, ["--migrations", "migrations", "--seed", str(work / "seed.sql"), *var_args(VARIABLES)],
                 work / "count.log")
    try:
        for name, (path, headers) in paths().items():
            get(app.url + path, headers)
            get(app.url + "/__crossings", {})
            for _ in range(n):
                get(app.url + path, headers)
            counts = json.loads(get(app.url + "/__crossings", {}))
            total = sum(counts.values()) / n
            print(f"\n{name}: {total:.1f} crossings per request")
            for fn, count in sorted(counts.items(), key=lambda kv: -kv[1]):
                print(f"  {count / n:6.1f}  {fn}")
    finally:
        app.stop()


def cpu(work: Path, rounds: int = 3):
    """Workerd CPU ms per request of each hot path and of the floor's /d1, `rounds` times."""
    run.DURATION = 4
    floor = Server(ROOT / "bench/floor/build/index.js", run.PORT + 6, [], work / "floor.log")
    try:
        floor_d1 = [run.wrk(f"{floor.url}/d1", {}, floor)["cpu_per_10k"] / 10 for _ in range(rounds)]
    finally:
        floor.stop()
    print(f"floor /d1: {' '.join(f'{c:.3f}' for c in floor_d1)} ms/req")
    app = Server(ROOT / "build/index.js", run.PORT + 7, ["--migrations", "migrations", "--seed", str(work / "seed.sql"),
                                                  *var_args(VARIABLES)], work / "app.log")
    try:
        for name, (path, headers) in paths().items():
            rows = [wrk(app.url + path, headers, app) for _ in range(rounds)]
            figures = " ".join(f"{m['cpu_per_10k'] / 10:.3f}" for m in rows)
            rates = " ".join(f"{m['rps']:.0f}" for m in rows)
            print(f"{name}: {figures} ms/req; {rates} req/s")
    finally:
        app.stop()


def ab(work: Path, builds: list[Path], names: list[str], rounds: int):
    """Workerd CPU ms per request and req/s of each build on `names`, beside the floor's
    /d1 and /d1-session, in `rounds` alternating rounds."""
    run.DURATION = 4
    servers = {"floor": Server(ROOT / "bench/floor/build/index.js", run.PORT + 6, [], work / "floor.log")}
    try:
        for i, build in enumerate(builds):
            servers[str(build)] = Server(build / "index.js", run.PORT + 10 + i, ["--migrations", "migrations", "--seed",
                                         str(work / "seed.sql"), *var_args(VARIABLES)], work / f"ab{i}.log")
        measured = {}
        for _ in range(rounds):
            for path in ("/d1", "/d1-session"):
                measured.setdefault(("floor", path), []).append(wrk(servers["floor"].url + path, {}, servers["floor"]))
            for build in builds:
                for name in names:
                    path, headers = paths()[name]
                    server = servers[str(build)]
                    measured.setdefault((str(build), name), []).append(wrk(server.url + path, headers, server))
    finally:
        for server in servers.values():
            server.stop()
    for (build, name), rows in measured.items():
        cpu = sorted(m["cpu_per_10k"] / 10 for m in rows)
        rps = sorted(m["rps"] for m in rows)
        print(f"{build} {name}: CPU ms/req median {cpu[len(cpu) // 2]:.3f} min {cpu[0]:.3f}; "
              f"req/s median {rps[len(rps) // 2]:.0f}")


def option(args: list[str], name: str, default: str) -> str:
    return args[args.index(name) + 1] if name in args else default


def main():
    if sys.argv[1:2] == ["ab"]:
        args = sys.argv[2:]
        values = {option(args, flag, "") for flag in ("--paths", "--rounds")}
        builds = [Path(a) for a in args if not a.startswith("--") and a not in values]
        names = option(args, "--paths", "download,list,share JSON").split(",")
        rounds = int(option(args, "--rounds", "5"))
    wanted = sys.argv[1:] or ["crossings", "cpu"]
    work = Path(tempfile.mkdtemp(prefix="edgedrop-profile-"))
    (work / "bucket" / BUCKET).mkdir(parents=True)
    (work / "seed.sql").write_text(seed_sql({"small": 1_000}))
    s3 = subprocess.Popen([str(TOOLS / "bin/s3s-fs"), "--host", "127.0.0.1", "--port", str(run.PORT + 1000), "--access-key",
                           run.ACCESS_KEY, "--secret-key", run.SECRET_KEY, str(work / "bucket")],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        if "crossings" in wanted:
            crossings(work)
        if "cpu" in wanted:
            cpu(work)
        if wanted[0] == "ab":
            ab(work, builds, names, rounds)
    finally:
        s3.terminate()


if __name__ == "__main__":
    sys.exit(main())
