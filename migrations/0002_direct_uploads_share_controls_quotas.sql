-- Direct uploads, share-link controls, quotas and brute-force limits.

-- Bytes promised to uploads under way (direct uploads until completed, raw uploads while
-- streaming), counted with used_bytes against the quota.
ALTER TABLE users ADD COLUMN reserved_bytes INTEGER NOT NULL DEFAULT 0 CHECK (reserved_bytes >= 0);

-- What the sweeper needs to clean up after an abandoned upload: the bucket's multipart
-- upload to abort, and the reservation to give back to its owner.
ALTER TABLE orphan_objects ADD COLUMN multipart_id TEXT;
ALTER TABLE orphan_objects ADD COLUMN owner_id TEXT;
ALTER TABLE orphan_objects ADD COLUMN reserved_bytes INTEGER NOT NULL DEFAULT 0;

-- Direct uploads (client to bucket through presigned URLs), pending until completed.
-- Their object is on the orphan_objects ledger until a file row owns it.
CREATE TABLE uploads (
    id           TEXT    PRIMARY KEY NOT NULL,
    owner_id     TEXT    NOT NULL REFERENCES users (id),
    file_id      TEXT    NOT NULL UNIQUE,
    object_key   TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    folder       TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    part_size    INTEGER NOT NULL CHECK (part_size > 0),
    multipart_id TEXT,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;

-- An optional password on a share link (an Argon2id PHC string, like account passwords).
ALTER TABLE shares ADD COLUMN password_hash TEXT;

-- Expired shares are deleted after a grace period by the sweeper.
CREATE INDEX shares_by_expiry ON shares (expires_at) WHERE expires_at IS NOT NULL;

-- Every resolve of a share link: when, a salted hash of the client IP, its user agent,
-- and what it got. Pages are read newest first by (at, id).
CREATE TABLE share_accesses (
    id         INTEGER PRIMARY KEY,
    share_id   TEXT    NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    ip_hash    TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    outcome    TEXT    NOT NULL
        CHECK (outcome IN ('ok', 'expired', 'limit_reached', 'bad_password', 'password_required'))
) STRICT;

CREATE INDEX share_accesses_by_share ON share_accesses (share_id, at, id);

-- Failed password attempts per key (an account, a share, a client IP) in fixed windows.
CREATE TABLE rate_limits (
    key          TEXT    PRIMARY KEY NOT NULL,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL
) STRICT;

CREATE INDEX rate_limits_by_window ON rate_limits (window_start);
