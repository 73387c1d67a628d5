-- Collection links (one link for a folder and its sub-folders, or for a set of files) and
-- expiring files.

-- A file may expire (Unix ms): from then on no listing, search, download or link shows it, and
-- the sweeper deletes it (its row and its bytes, through the ledger) in bounded batches.
ALTER TABLE files ADD COLUMN expires_at INTEGER;
CREATE INDEX files_by_expiry ON files (expires_at) WHERE expires_at IS NOT NULL;
-- A direct upload's file lives this many seconds from its completion (NULL: for ever).
ALTER TABLE uploads ADD COLUMN file_ttl_seconds INTEGER;
--
-- A share link used to name exactly one file (`file_id NOT NULL`). Now a link has a `kind`:
-- `file` (as before), `files` (its members are rows of `share_files`) or `folder` (live: every
-- file of its owner under `folder`, whenever it is visited). Each link names its owner, so the
-- owner's list of links, and a collection's files, never need a join through `files`.
--
-- SQLite cannot drop a NOT NULL constraint, so `shares` is rebuilt. `share_accesses` refers to
-- it with ON DELETE CASCADE, and dropping a table deletes its rows first (which would cascade
-- into the log), so the log is rebuilt beside it: the old log goes before the old links.
CREATE TABLE shares_v2 (
    id             TEXT    PRIMARY KEY NOT NULL,
    owner_id       TEXT    NOT NULL REFERENCES users (id),
    kind           TEXT    NOT NULL DEFAULT 'file' CHECK (kind IN ('file', 'files', 'folder')),
    file_id        TEXT    REFERENCES files (id) ON DELETE CASCADE,
    folder         TEXT,
    -- What a collection is called on its landing page and in its zip's name (`file` links
    -- show their file's name).
    name           TEXT,
    token_hash     TEXT    NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    max_downloads  INTEGER CHECK (max_downloads IS NULL OR max_downloads >= 1),
    download_count INTEGER NOT NULL DEFAULT 0,
    password_hash  TEXT,
    CHECK ((kind = 'file') = (file_id IS NOT NULL)),
    CHECK ((kind = 'folder') = (folder IS NOT NULL))
) STRICT;

INSERT INTO shares_v2 (id, owner_id, kind, file_id, token_hash, created_at, expires_at, max_downloads,
                       download_count, password_hash)
SELECT s.id, f.owner_id, 'file', s.file_id, s.token_hash, s.created_at, s.expires_at, s.max_downloads,
       s.download_count, s.password_hash
FROM shares s JOIN files f ON f.id = s.file_id;

CREATE TABLE share_accesses_v2 (
    id         INTEGER PRIMARY KEY,
    share_id   TEXT    NOT NULL REFERENCES shares_v2 (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    at         INTEGER NOT NULL,
    ip_hash    TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    outcome    TEXT    NOT NULL
        CHECK (outcome IN ('ok', 'expired', 'limit_reached', 'bad_password', 'password_required'))
) STRICT;

INSERT INTO share_accesses_v2 (id, share_id, seq, at, ip_hash, user_agent, outcome)
SELECT a.id, a.share_id, a.seq, a.at, a.ip_hash, a.user_agent, a.outcome
FROM share_accesses a JOIN shares_v2 s ON s.id = a.share_id;

DROP TABLE share_accesses;
DROP TABLE shares;
-- Renaming rewrites the log's reference to `shares`.
ALTER TABLE shares_v2 RENAME TO shares;
ALTER TABLE share_accesses_v2 RENAME TO share_accesses;

-- The indexes of 0002 and 0006, again.
CREATE INDEX shares_by_file ON shares (file_id, created_at);
CREATE INDEX shares_by_expiry ON shares (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX share_accesses_by_share ON share_accesses (share_id, at, id);
CREATE UNIQUE INDEX share_accesses_by_number ON share_accesses (share_id, seq);
CREATE INDEX share_accesses_by_client ON share_accesses (share_id, ip_hash, outcome, at);

-- The owner's links of every kind, newest first (GET /shares), and the account's deletion.
CREATE INDEX shares_by_owner ON shares (owner_id, created_at, id);

-- The files of a `files` link. Whether a file is in the link is one primary-key seek; a file's
-- deletion finds its memberships through the second index.
CREATE TABLE share_files (
    share_id TEXT NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    file_id  TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    PRIMARY KEY (share_id, file_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX share_files_by_file ON share_files (file_id);

-- A folder link's files, in the order its landing page lists them: by folder (with '/' read as
-- char(1), so that a folder's whole subtree is one key range, as in 0004, and `/a` never takes
-- in `/ab` or `/a-b`), then name, then id, so each page is one range of this index. It starts
-- with 0004's key, which it replaces (GET /folders walks it the same way).
DROP INDEX files_by_owner_tree;
CREATE INDEX files_by_owner_tree ON files (owner_id, replace(folder, '/', char(1)), name_folded, id);
