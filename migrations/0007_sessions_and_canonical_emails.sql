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
