-- Share links: a bounded access log.
--
-- Every visit to a link used to add a row to its access log (with a user agent of up to
-- 256 characters), through the expired link's grace period too, so anyone holding a link
-- could fill the database. Now each entry carries its number in its link's log (`seq`:
-- 1, 2, 3, ...), so that a visit finds the next number and drops the entries beyond the
-- newest ACCESS_LOG_MAX_ENTRIES (1000 by default) by seeking one index, whatever the log's
-- size; and a client that got the same answer from the same link within the last minute is
-- not logged again (the owner's download_count still counts every download).
--
-- The share-password limits count attempts in rate_limits, keyed by link and by client,
-- and need nothing new here.
--
-- SQLite cannot add a NOT NULL column without a default, so the table is rebuilt: each
-- link's entries are numbered oldest first, and only the newest 1000 of each are kept.
CREATE TABLE share_accesses_numbered (
    id         INTEGER PRIMARY KEY,
    share_id   TEXT    NOT NULL REFERENCES shares (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL CHECK (seq >= 1),
    at         INTEGER NOT NULL,
    ip_hash    TEXT    NOT NULL,
    user_agent TEXT    NOT NULL,
    outcome    TEXT    NOT NULL
        CHECK (outcome IN ('ok', 'expired', 'limit_reached', 'bad_password', 'password_required'))
) STRICT;

INSERT INTO share_accesses_numbered (id, share_id, seq, at, ip_hash, user_agent, outcome)
SELECT id, share_id, seq, at, ip_hash, user_agent, outcome FROM (
    SELECT *,
           row_number() OVER (PARTITION BY share_id ORDER BY at, id) AS seq,
           count(*) OVER (PARTITION BY share_id) AS entries
    FROM share_accesses
) WHERE seq > entries - 1000;

DROP TABLE share_accesses;
ALTER TABLE share_accesses_numbered RENAME TO share_accesses;

-- The owner's pages, newest first by (at, id), as before.
CREATE INDEX share_accesses_by_share ON share_accesses (share_id, at, id);
-- A link's newest entry number, and the range of entries beyond the newest N.
CREATE UNIQUE INDEX share_accesses_by_number ON share_accesses (share_id, seq);
-- Whether this client got this answer from this link within the last minute.
CREATE INDEX share_accesses_by_client ON share_accesses (share_id, ip_hash, outcome, at);
