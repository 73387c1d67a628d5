#!/usr/bin/env python3
"""Measures what a row costs in D1, for docs/capacity.md: applies migrations/ to a fresh SQLite
database (D1 is SQLite: same pages, same b-trees), seeds it like a busy deployment, and reads
every table's and index's size from SQLite's dbstat table.

    python3 bench/capacity.py [--files 200000] [--users 200] [--db /tmp/capacity.sqlite]

Prints a JSON report: bytes per file row (table, each index, the trigram index's shadow
tables), files per 10 GB database, bytes per share link, access-log entry and visit receipt.
Names are drawn like real ones (words, dates, numbers, extensions; 10 to 60 characters), as
the trigram index grows with name length.
"""
import argparse
import json
import os
import random
import sqlite3
import string
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("report invoice photo scan draft final notes budget contract slides backup export "
         "meeting summary design spec plan review q1 q2 q3 q4 holiday receipt statement").split()
EXTS = ["pdf", "jpg", "png", "docx", "xlsx", "txt", "zip", "mp4", "csv", "pptx"]
TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png", "txt": "text/plain",
         "zip": "application/zip", "mp4": "video/mp4", "csv": "text/csv"}


def hex_id(rng: random.Random) -> str:
    return "%032x" % rng.getrandbits(128)


def name(rng: random.Random) -> str:
    parts = [rng.choice(WORDS) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.5:
        parts.append(f"{rng.randint(2015, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    if rng.random() < 0.4:
        parts.append(str(rng.randint(1, 99999)))
    sep = rng.choice([" ", "_", "-"])
    return sep.join(parts).capitalize() + "." + rng.choice(EXTS)


def folder(rng: random.Random) -> str:
    depth = rng.choice([0, 1, 1, 2, 2, 3])
    return "/" + "/".join(rng.choice(WORDS) for _ in range(depth)) if depth else "/"


def sizes(db: sqlite3.Connection) -> dict:
    return {row[0]: row[1] for row in db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")}


def objects_of(db: sqlite3.Connection, table: str) -> list:
    """The table, its indexes (explicit and automatic) and, for files, the trigram index's tables."""
    names = [table] + [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,))]
    if table == "files":
        names += [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE name LIKE 'files_search%'")]
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--db", default=os.path.join(tempfile.gettempdir(), "edgedrop-capacity.sqlite"))
    args = parser.parse_args()
    rng = random.Random(14)
    if os.path.exists(args.db):
        os.remove(args.db)
    db = sqlite3.connect(args.db)
    for migration in sorted((ROOT / "migrations").glob("*.sql")):
        db.executescript(migration.read_text())
    users = [hex_id(rng) for _ in range(args.users)]
    db.executemany("INSERT INTO users (id, email, password_hash, created_at) VALUES (?, ?, ?, 0)",
                   [(u, f"user{i}@example.com", "$argon2id$v=19$m=19456,t=2,p=1$" + "x" * 22 + "$" + "y" * 43)
                    for i, u in enumerate(users)])
    files = []
    now = 1_790_000_000_000
    for i in range(args.files):
        owner = users[i % len(users)]
        n = name(rng)
        ext = n.rsplit(".", 1)[1]
        fid = hex_id(rng)
        files.append((fid, owner, n, n.lower(), folder(rng), rng.randint(1, 50_000_000),
                      TYPES.get(ext, "application/octet-stream"), f"u/{owner}/{fid}", now + i, now + i))
    db.executemany("INSERT INTO files (id, owner_id, name, name_folded, folder, size, content_type, object_key, "
                   "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", files)
    shares = [(hex_id(rng), files[i][0], "%064x" % rng.getrandbits(256), now, now + 7 * 86_400_000)
              for i in range(0, len(files), 10)]
    db.executemany("INSERT INTO shares (id, file_id, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)", shares)
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    accesses = [(shares[s][0], seq, now + seq, "%032x" % rng.getrandbits(128), agent, "ok")
                for s in range(100) for seq in range(1, 1001)]
    db.executemany("INSERT INTO share_accesses (share_id, seq, at, ip_hash, user_agent, outcome) VALUES (?, ?, ?, ?, ?, ?)",
                   accesses)
    receipts = [(hex_id(rng), "%032x" % rng.getrandbits(128), shares[i % len(shares)][0], 1, now + i) for i in range(100_000)]
    db.executemany("INSERT INTO visit_receipts (id, batch, share_id, counts, at) VALUES (?, ?, ?, ?, ?)", receipts)
    db.commit()
    db.execute("VACUUM")
    size = sizes(db)

    def per_row(table: str, rows: int) -> dict:
        parts = {n: size.get(n, 0) for n in objects_of(db, table)}
        return {"rows": rows, "bytes_per_row": round(sum(parts.values()) / rows, 1),
                "parts_bytes_per_row": {n: round(b / rows, 1) for n, b in sorted(parts.items(), key=lambda p: -p[1])}}

    file_cost = per_row("files", len(files))
    trigram = sum(b for n, b in file_cost["parts_bytes_per_row"].items() if n.startswith("files_search"))
    report = {
        "sqlite": sqlite3.sqlite_version,
        "database_bytes": os.path.getsize(args.db),
        "avg_name_chars": round(sum(len(f[2]) for f in files) / len(files), 1),
        "files": file_cost,
        "file_trigram_bytes_per_row": round(trigram, 1),
        "files_per_10_GB": int(10e9 / file_cost["bytes_per_row"]),
        "shares": per_row("shares", len(shares)),
        "share_accesses": per_row("share_accesses", len(accesses)),
        "visit_receipts": per_row("visit_receipts", len(receipts)),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
