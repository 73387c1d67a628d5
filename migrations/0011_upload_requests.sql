-- Upload requests ("reverse shares"): a link through which guests upload files into one of
-- the owner's folders, within the request's limits, until it expires. Only the SHA-256 of
-- the token is stored; the password is an Argon2id PHC string, like share passwords.
--
-- `files_used`/`bytes_used` count what the request has taken: files received plus uploads
-- under way. An upload reserves its slot here (a conditional update, in the batch that puts
-- its object on the ledger) before the first byte is accepted; the ledger entry carries the
-- slot (`orphan_objects.request_id`, `request_bytes`) until the object becomes a file (the
-- slot is kept and `*_received` grow) or is deleted (the slot is given back). So no race
-- can take more than `max_files`/`max_bytes`. Revoking deletes the row: uploads under way
-- can then no longer become files, and giving their slots back is a no-op.
CREATE TABLE upload_requests (
    id             TEXT    PRIMARY KEY NOT NULL,
    owner_id       TEXT    NOT NULL REFERENCES users (id),
    token_hash     TEXT    NOT NULL UNIQUE,
    folder         TEXT    NOT NULL,
    note           TEXT,
    password_hash  TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER,
    max_files      INTEGER CHECK (max_files IS NULL OR max_files >= 1),
    max_bytes      INTEGER CHECK (max_bytes IS NULL OR max_bytes >= 1),
    files_used     INTEGER NOT NULL DEFAULT 0 CHECK (files_used >= 0),
    bytes_used     INTEGER NOT NULL DEFAULT 0 CHECK (bytes_used >= 0),
    files_received INTEGER NOT NULL DEFAULT 0 CHECK (files_received >= 0),
    bytes_received INTEGER NOT NULL DEFAULT 0 CHECK (bytes_received >= 0)
) STRICT;

-- The owner's list, newest first.
CREATE INDEX upload_requests_by_owner ON upload_requests (owner_id, created_at, id);

-- Requests expired for longer than EXPIRED_SHARE_GRACE_HOURS are deleted by the sweeper.
CREATE INDEX upload_requests_by_expiry ON upload_requests (expires_at) WHERE expires_at IS NOT NULL;

-- The request slot a ledger entry holds (see above); NULL once given back or for the
-- owner's own uploads.
ALTER TABLE orphan_objects ADD COLUMN request_id TEXT;
ALTER TABLE orphan_objects ADD COLUMN request_bytes INTEGER NOT NULL DEFAULT 0;

-- The request a direct upload was started through: a guest may act only on those.
ALTER TABLE uploads ADD COLUMN request_id TEXT;
