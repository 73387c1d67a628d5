"""The report of `make bench` (bench/run.py): the figures of one run as docs/benchmarks.md,
with the peer beside edgedrop and every target marked met or not met. Everything above the
`<!-- notes -->` line of that file is rewritten; the notes below it are kept."""

import datetime
import gzip
import os
import platform
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

# The peer's rows are named after edgedrop's, with this prefix; COMPARED pairs them.
PEER = "peer: "
COMPARED = [
    ("download", "2. download"),
    ("list", "3. list, 1,000 files"),
    ("list", "3. list, 1,000,000 files"),
    ("share", "1. share, JSON"),
    ("share", "1. share, redirect"),
]


def write(r: dict, plans: dict, seeding: float, total: float, *, connections: int, duration: int, only: set):
    """Writes the run's figures `r` (workload name -> measurement), with `plans` (the query
    plans) and how long seeding and the whole run took, unless only some groups ran (`only`)."""
    floor_d1 = r["floor /d1"]["rps"]
    lines = [
        "# Benchmarks",
        "",
        f"Run on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC} with `make bench` "
        f"({total / 60:.1f} minutes, of which seeding edgedrop's 1.1 million rows took {seeding:.0f} s).",
        "",
        f"Machine: {os.cpu_count()} cores ({cpu_model()}), {memory_gib():.0f} GiB, {platform.system()} {platform.release()}; "
        "the load generator runs on the same two cores, so every throughput is also given as a ratio "
        "to the floor measured in the same run.",
        "",
        "How: the floor and edgedrop are built with the same toolchain, the peer (shared/peer-ts) is bundled "
        "with esbuild, and all three are served by workerd through Miniflare's API "
        "(`bench/serve.mjs`: local D1, no wrangler live-reload proxy); s3s-fs is the bucket; "
        f"`wrk -t1 -c{connections} -d{duration}s --latency` after a 2 s warm-up that is not counted. "
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
    lines += ["", *against_peer(r), "", *targets(r)]
    if "5. login" in r:
        login = r["5. login"]
        lines += ["", "## Login (Argon2id, m=19 MiB, t=2, p=1)", "",
                  f"{login['cpu_ms']:.0f} ms of workerd CPU per login ({login['wall_ms']:.0f} ms wall), 20 sequential logins."]
    if "9. cold start" in r:
        cold = r["9. cold start"]
        lines += ["", "## Cold start", "",
                  "Seconds from starting `bench/serve.mjs` on a freshly loaded Worker (no migrations, no seed) to its first "
                  "answered request on a route that touches neither D1 nor the bucket (`/healthz`; the floor's `/plain`), "
                  "median of 3; most of it is Node and Miniflare starting, the same for all three:", "",
                  " · ".join(f"{name} {seconds:.2f} s" for name, seconds in cold.items())]
    bundle = r["8. bundle"]
    lines += [
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
    if only:
        print("\n".join(lines))
        print(f"(BENCH_ONLY={','.join(sorted(only))}: docs/benchmarks.md left as it was)")
        return
    out = ROOT / "docs/benchmarks.md"
    existing = out.read_text() if out.exists() else ""
    notes = existing.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in existing else "\n"
    out.write_text("\n".join(lines) + "\n\n<!-- notes -->" + notes)
    print(out.read_text())


def mark(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def cpu_ms(m: dict) -> float:
    """Workerd CPU milliseconds per request of a wrk row."""
    return m["cpu_per_10k"] / 10


def against_peer(r: dict) -> list[str]:
    """Issue 15's table: each hot path of edgedrop beside the peer's, in the same run."""
    floor_cpu = cpu_ms(r["floor /d1"])
    lines = [
        "## Against the peer (the TypeScript Worker of shared/peer-ts)",
        "",
        "Worker CPU above the floor: workerd CPU per request minus the floor's `/d1` (one trivial D1 read).",
        "",
        "| path | edgedrop req/s | peer req/s | edgedrop ÷ peer | CPU ms/req above the floor, edgedrop / peer | "
        "edgedrop ÷ peer | p99 ms, edgedrop / peer |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for _, name in COMPARED:
        ours, theirs = r.get(name), r.get(PEER + name)
        if ours and theirs:
            above = (cpu_ms(ours) - floor_cpu, cpu_ms(theirs) - floor_cpu)
            lines.append(f"| {name} | {ours['rps']:.0f} | {theirs['rps']:.0f} | {ours['rps'] / theirs['rps']:.2f} | "
                         f"{above[0]:.3f} / {above[1]:.3f} | {above[0] / above[1]:.2f} | "
                         f"{ours['p99']:.1f} / {theirs['p99']:.1f} |")
    return lines


def targets(r: dict) -> list[str]:
    """Every target whose figures this run measured, marked met or not met."""
    floor_d1, floor_write = r["floor /d1"], r["floor /d1-write (context)"]
    floor_cpu = cpu_ms(floor_d1)
    rows = []
    for group, name in COMPARED:
        ours, theirs = r.get(name), r.get(PEER + name)
        if not ours:
            continue
        floor, floor_name = (floor_write, "`/d1-write`") if group == "share" else (floor_d1, "`/d1`")
        share = ours["rps"] / floor["rps"]
        rows.append(f"| {name} ≥ 0.9 × floor {floor_name} req/s | {share:.2f} | {mark(share >= 0.9)} |")
        if theirs:
            speed = ours["rps"] / theirs["rps"]
            rows.append(f"| {name} ≥ 1 × the peer's req/s | {speed:.2f} | {mark(speed >= 1)} |")
            above = (cpu_ms(ours) - floor_cpu) / max(cpu_ms(theirs) - floor_cpu, 1e-9)
            rows.append(f"| {name}: Worker CPU above the floor ≤ 0.5 × the peer's | {above:.2f} | {mark(above <= 0.5)} |")
            rows.append(f"| {name}: p99 ≤ the peer's | {ours['p99']:.1f} vs {theirs['p99']:.1f} ms | "
                        f"{mark(ours['p99'] <= theirs['p99'])} |")
    if all(k in r for k in ("3. list, 1,000 files", "3. list, 1,000,000 files", "3. list, 1,000,000 files, deep page")):
        small, big = r["3. list, 1,000 files"], r["3. list, 1,000,000 files"]
        deep = r["3. list, 1,000,000 files, deep page"]
        rows.append(f"| list p50 at 1M ≤ 1.5 × p50 at 1k (first page) | {big['p50'] / small['p50']:.2f} | "
                    f"{mark(big['p50'] <= 1.5 * small['p50'])} |")
        rows.append(f"| list p50 at 1M ≤ 1.5 × p50 at 1k (deep page) | {deep['p50'] / small['p50']:.2f} | "
                    f"{mark(deep['p50'] <= 1.5 * small['p50'])} |")
    if "4. search, 100,000 files" in r and "3. list, 100,000 files" in r:
        search, list_mid = r["4. search, 100,000 files"], r["3. list, 100,000 files"]
        rows.append(f"| search p50 at 100k ≤ 3 × list p50 at 100k | {search['p50'] / list_mid['p50']:.2f} | "
                    f"{mark(search['p50'] <= 3 * list_mid['p50'])} |")
    if "6. upload 90 MiB" in r:
        upload = r["6. upload 90 MiB"]
        ratio = upload["direct_s"] / upload["worker_s"]
        rows.append(f"| upload through the Worker ≥ 0.7 × direct to the bucket | {ratio:.2f} "
                    f"({90 / upload['worker_s']:.0f} vs {90 / upload['direct_s']:.0f} MiB/s) | {mark(ratio >= 0.7)} |")
        rows.append(f"| workerd RSS grows < 64 MiB during a 90 MiB upload | {upload['rss_growth'] / MIB:.1f} MiB | "
                    f"{mark(upload['rss_growth'] < 64 * MIB)} |")
    if "1. share, JSON" in r:
        # Issue 14: a visit to an unlimited link is one read (its count goes through the queue).
        for name in ("1. share, JSON", "1. share, redirect"):
            unlimited = r[name]["rps"] / floor_d1["rps"]
            rows.append(f"| {name} of an unlimited link ≥ 0.8 × floor `/d1` | {unlimited:.2f} | {mark(unlimited >= 0.8)} |")
            if "floor /d1-session (context)" in r:
                in_session = r[name]["rps"] / r["floor /d1-session (context)"]["rps"]
                rows.append(f"| (beside it) {name} of an unlimited link × floor `/d1-session` (the same read in a D1 "
                            f"session, as every read of edgedrop's is) | {in_session:.2f} | |")
    if "1. share, limited link, JSON" in r:
        limited = r["1. share, limited link, JSON"]["rps"]
        rows.append(f"| (beside it) share of a limited link, JSON × floor `/d1-write` | {limited / floor_write['rps']:.2f} | |")
    if "1. folder link (10,000 files), a file, JSON" in r and "1. share, JSON" in r:
        folder, single = r["1. folder link (10,000 files), a file, JSON"]["rps"], r["1. share, JSON"]["rps"]
        rows.append(f"| file of a 10,000-file folder link ≥ 1/1.2 × a one-file link (JSON) | {folder / single:.2f} | "
                    f"{mark(folder * 1.2 >= single)} |")
    if "7. CLI upload 256 MiB" in r:
        cli = r["7. CLI upload 256 MiB"]
        ratio = cli["ratio"]
        rows.append(f"| `edgedrop upload` of 256 MiB ≥ 1 × a plain presigned PUT of it (median of 3) | {ratio:.2f} "
                    f"({256 / cli['cli_s']:.0f} vs {256 / cli['put_s']:.0f} MiB/s; the parts alone "
                    f"{cli['put_s'] / cli['parts_s']:.2f} ×, then {cli['complete_s']:.2f} s to complete; s3s-fs CPU "
                    f"{cli['s3_cpu_s']:.2f} s against {cli['put_s3_cpu_s']:.2f} s) | {mark(ratio >= 1.0)} |")
    wasm_gz = r["8. bundle"]["wasm_gz"]
    rows.append(f"| wasm < 1 MiB gzipped | {wasm_gz / 1024:.0f} KiB | {mark(wasm_gz < MIB)} |")
    return ["## Targets", "", "| Target | Figure | |", "|---|---|---|", *rows]


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
