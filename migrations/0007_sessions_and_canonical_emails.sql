-- Canonical emails: accounts are told apart by `email_canonical`, the address in NFC with
-- full Unicode case folding (computed by the Worker: `model::canonical_email`), so `zoé`,
-- `ZOÉ` and `zoe` + U+0301 are one account. `email` keeps the address as typed, for display;
-- its old UNIQUE ... COLLATE NOCASE constraint stays (SQLite cannot drop it without
-- rebuilding the table) and never refuses more than the new one: two addresses equal but for
-- ASCII letter case have one canonical form.
ALTER TABLE users ADD COLUMN email_canonical TEXT;

-- SQL cannot fold Unicode, but for pure ASCII the canonical form is plain lowercasing, which
-- it can: a row is pure ASCII when its length in bytes equals its length in characters.
UPDATE users SET email_canonical = lower(email) WHERE length(CAST(email AS BLOB)) = length(email);

-- Registration and login look accounts up here. The rows left NULL above (addresses with
-- non-ASCII characters, from before this migration) are found through this index too
-- (`email_canonical IS NULL`), and the sweeper canonicalizes them a bounded batch per run;
-- until then they log in with their address as typed, as before. A legacy row whose
-- canonical form another account already has keeps `conflict:<id>` here (never an address:
-- it has no `@`) and goes on logging in as typed.
CREATE UNIQUE INDEX users_by_canonical_email ON users (email_canonical);

-- Sessions: one row per issued token (a bearer token from POST /auth/login, or the web app's
-- cookie from POST /auth/session), which names it in its `sid` claim. A token works while its
-- row lives: logging out deletes it, logging out everywhere deletes all of the user's, and
-- every signed-in request checks it in the batch it runs anyway (a primary-key lookup).
-- Tokens issued before this migration name no session and are refused: their holders log in
-- again. Expired rows are dropped by the sweeper.
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY NOT NULL,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('api', 'web')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

-- Logging out everywhere (and the foreign key: deleting a user finds its sessions).
CREATE INDEX sessions_by_user ON sessions (user_id);
-- The sweeper's expired sessions, oldest first.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
