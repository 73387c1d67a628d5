-- The events pipeline (Cloudflare Queues): visits to share links without a download limit
-- are no longer written by the request that serves them. The request sends the visit to
-- the EVENTS queue; the consumer writes a whole batch of them in one D1 batch: the access
-- log entries (with the same bounds as before: ACCESS_LOG_MAX_ENTRIES per link, one entry
-- per client and outcome a minute) and the downloads added to `shares.download_count`.
--
-- Queues deliver at least once: a batch whose D1 write landed may come again (the ack was
-- lost, the consumer died after the commit). Each visit carries a random id, and the
-- consumer's batch first records a receipt per id (`INSERT OR IGNORE`) tagged with the
-- batch's own random tag; only the visits whose receipt carries this batch's tag are then
-- counted and logged, so a redelivered visit finds its old receipt and counts nothing.
-- Receipts are kept an hour (the consumer drops older ones in the same batch): far longer
-- than the queue's retries of one batch take.
CREATE TABLE visit_receipts (
    id       TEXT    NOT NULL PRIMARY KEY, -- the visit's id, chosen by the request
    batch    TEXT    NOT NULL,              -- the tag of the consumer batch that wrote it first
    share_id TEXT    NOT NULL,
    counts   INTEGER NOT NULL CHECK (counts IN (0, 1)), -- 1: a download to add to the count
    at       INTEGER NOT NULL               -- when the receipt was written (Unix ms)
) STRICT, WITHOUT ROWID;

-- The receipts past their hour, oldest first.
CREATE INDEX visit_receipts_by_age ON visit_receipts (at);

-- Webhooks: an account's subscriptions to its events (share.accessed, file.uploaded,
-- file.deleted), delivered through the same queue, signed with a secret of each webhook.
-- The secret is not stored: the row keeps a random seed, and the Worker derives the secret
-- from it and SECRET_KEY (HMAC) for each delivery, so the database alone cannot sign.
-- A webhook whose deliveries kept failing for a day is disabled, with the reason.
CREATE TABLE webhooks (
    id              TEXT    NOT NULL PRIMARY KEY,
    owner_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL, -- space-separated event names
    secret_seed     TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    disabled_at     INTEGER,
    disabled_reason TEXT
) STRICT;

-- An account's webhooks, oldest first; and who hears an account's events.
CREATE INDEX webhooks_by_owner ON webhooks (owner_id, created_at);
