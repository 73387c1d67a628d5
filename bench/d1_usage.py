#!/usr/bin/env python3
"""Measures what each route asks of D1, for docs/capacity.md: starts the built Worker under
`wrangler dev` (local D1 and the events queue) with s3s-fs, makes one call of each route, and
reads the Worker's own log line of each (`d1_round_trips`, `d1_rows_read`, `d1_rows_written`,
which D1 reports per statement, index entries included) and the events consumer's lines.

    make build && python3 bench/d1_usage.py

Prints a Markdown table. Needs the tools of `make build` (wrangler, s3s-fs) and free ports.
"""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(os.environ.get("TOOLS", Path.home() / ".cache/edgedrop/tools")) / "bin"
ENV = dict(os.environ, PATH=f"{ROOT / 'node_modules/.bin'}:{TOOLS}:{os.environ['PATH']}", CI="true",
           EDGEDROP_PREBUILT="1", WRANGLER_SEND_METRICS="false")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if body is not None:
        request.add_header("content-type", "application/json")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request) as answer:
            text = answer.read().decode()
            return answer.status, (json.loads(text) if text.startswith("{") else text)
    except urllib.error.HTTPError as e:
        text = e.read().decode()
        return e.code, (json.loads(text) if text.startswith("{") else text)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def log_lines(log: Path, key: str) -> list:
    lines = []
    for line in log.read_text(errors="replace").splitlines():
        at = line.find("{")
        if at >= 0 and key in line:
            try:
                lines.append(json.loads(line[at:]))
            except json.JSONDecodeError:
                pass
    return lines


def main():
    work = Path(tempfile.mkdtemp(prefix="edgedrop-d1-usage-"))
    (work / "bucket/edgedrop").mkdir(parents=True)
    s3_port, port = free_port(), free_port()
    procs = []
    try:
        procs.append(subprocess.Popen([TOOLS / "s3s-fs", "--host", "127.0.0.1", "--port", str(s3_port), "--access-key", "k",
                                       "--secret-key", "s", str(work / "bucket")], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, start_new_session=True))
        subprocess.run(["wrangler", "d1", "migrations", "apply", "edgedrop", "--local", "--persist-to", str(work / "d1")],
                       cwd=ROOT, env=ENV, check=True, capture_output=True)
        variables = {"SECRET_KEY": "capacity-measurement-secret-0123456789abcdef", "B2_ENDPOINT": f"http://127.0.0.1:{s3_port}",
                     "B2_REGION": "us-east-1", "B2_BUCKET": "edgedrop", "B2_ACCESS_KEY": "k", "B2_SECRET_KEY": "s"}
        args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", str(port), "--inspector-port", "0",
                "--show-interactive-dev-session=false", "--log-level", "log", "--persist-to", str(work / "d1")]
        for name, value in variables.items():
            args += ["--var", f"{name}:{value}"]
        log = work / "worker.log"
        procs.append(subprocess.Popen(args, cwd=ROOT, env=ENV, stdout=log.open("w"), stderr=subprocess.STDOUT,
                                      start_new_session=True))
        base = f"http://127.0.0.1:{port}"
        for _ in range(900):
            try:
                if call(base, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        steps = []

        def step(label, method, path, **kw):
            before = len(log_lines(log, '"route"'))
            status, answer = call(base, method, path, **kw)
            for _ in range(50):
                lines = log_lines(log, '"route"')
                if len(lines) > before:
                    break
                time.sleep(0.1)
            line = lines[-1]
            steps.append((label, status, line["d1_round_trips"], line["d1_rows_read"], line["d1_rows_written"]))
            return answer

        step("POST /auth/register", "POST", "/auth/register", body={"email": "ada@example.com", "password": "correct horse"})
        token = step("POST /auth/login", "POST", "/auth/login", body={"email": "ada@example.com", "password": "correct horse"})["access_token"]
        auth = {"authorization": f"Bearer {token}"}
        step("GET /auth/me", "GET", "/auth/me", headers=auth)
        file = step("POST /files/upload (raw, 1 KiB)", "POST", "/files/upload?name=report.pdf&folder=/work",
                    headers={**auth, "content-type": "application/octet-stream"}, raw=b"x" * 1024)
        fid = file["id"]
        step("GET /files (a page)", "GET", "/files?limit=50", headers=auth)
        step("GET /files?q= (search)", "GET", "/files?q=report", headers=auth)
        step("GET /files/{id}", "GET", f"/files/{fid}", headers=auth)
        step("GET /files/{id}/download", "GET", f"/files/{fid}/download", headers=auth)
        step("PATCH /files/{id} (rename)", "PATCH", f"/files/{fid}", body={"name": "renamed.pdf"}, headers=auth)
        unlimited = step("POST /files/{id}/share", "POST", f"/files/{fid}/share", body={}, headers=auth)
        limited = call(base, "POST", f"/files/{fid}/share", body={"max_downloads": 1000}, headers=auth)[1]
        step("GET /share/{token} (unlimited link)", "GET", f"/share/{unlimited['token']}", headers={"cf-connecting-ip": "203.0.113.1"})
        step("GET /share/{token} (limited link)", "GET", f"/share/{limited['token']}", headers={"cf-connecting-ip": "203.0.113.1"})
        time.sleep(3)  # the consumer's batch (max_batch_timeout 1 s)
        step("GET /files/{id}/shares", "GET", f"/files/{fid}/shares", headers=auth)
        step("GET …/accesses", "GET", f"/files/{fid}/shares/{unlimited['id']}/accesses", headers=auth)
        step("POST /webhooks", "POST", "/webhooks", body={"url": "https://hooks.example.com/x", "events": ["file.deleted"]},
             headers=auth)
        step("DELETE /files/{id}", "DELETE", f"/files/{fid}", headers=auth)
        consumer = [l for l in log_lines(log, '"queue":"events"') if "visits" in l]
        print("| Route | Status | D1 round trips | rows read | rows written |")
        print("|---|---|---|---|---|")
        for label, status, trips, read, written in steps:
            print(f"| {label} | {status} | {trips} | {read} | {written} |")
        for line in consumer:
            print(f"| events consumer, a batch of {line['visits']} visit(s) | – | {line['d1_round_trips']} | – | "
                  f"{line['d1_rows_written']} |")
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, 15)
            except ProcessLookupError:
                pass
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
