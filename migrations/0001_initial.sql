-- The whole schema of edgedrop. Times are Unix milliseconds (UTC); ids are 32 hex digits.

-- Accounts. Emails are unique regardless of (ASCII) case. The counters are kept in step
-- with `files` in the same transactions that change it, so /auth/me and quotas never scan.
CREATE TABLE users (
    id            TEXT    PRIMARY KEY NOT NULL,
    email         TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    file_count    INTEGER NOT NULL DEFAULT 0 CHECK (file_count >= 0),
    used_bytes    INTEGER NOT NULL DEFAULT 0 CHECK (used_bytes >= 0)
) STRICT;

-- Stored files. `name_folded` is the lowercased name that search and name order use.
CREATE TABLE files (
    id           TEXT    PRIMARY KEY NOT NULL,
    owner_id     TEXT    NOT NULL REFERENCES users (id),
    name         TEXT    NOT NULL,
    name_folded  TEXT    NOT NULL,
    folder       TEXT    NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    content_type TEXT    NOT NULL,
    object_key   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- One index per listing order, each ending in `id` for keyset pagination; the folder
-- index serves "this folder, newest first" (the default view) and sub-folder ranges.
CREATE INDEX files_by_owner_created ON files (owner_id, created_at, id);
CREATE INDEX files_by_owner_name    ON files (owner_id, name_folded, id);
CREATE INDEX files_by_owner_size    ON files (owner_id, size, id);
CREATE INDEX files_by_owner_folder  ON files (owner_id, folder, created_at, id);

-- Public share links. Only the SHA-256 of a token is stored.
CREATE TABLE shares (
    id             TEXT    PRIMARY KEY NOT NULL,
    file_id        TEXT    NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    token_hash     TEXT    NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    max_downloads  INTEGER CHECK (max_downloads IS NULL OR max_downloads >= 1),
    download_count INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX shares_by_file ON shares (file_id, created_at);

-- Objects the bucket holds, or may hold, that no file row references: uploads under way
-- (swept only after they had time to finish) and objects of deleted files (swept at once).
-- A row is written before the object and removed once a file row owns it or the bucket
-- confirmed its deletion, so no object is ever forgotten.
CREATE TABLE orphan_objects (
    object_key  TEXT    PRIMARY KEY NOT NULL,
    sweep_after INTEGER NOT NULL
) STRICT;

CREATE INDEX orphan_objects_by_sweep ON orphan_objects (sweep_after);
