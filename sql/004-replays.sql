-- One signed string, one meaning; a replay changes nothing.
--
-- The bank signs its fields glued together, so one ChkValue also signs
-- every other cutting of the same bytes.  Each audit row now carries the
-- SHA-256 of the signed string (signed_hash) and of its fields as cut
-- (meaning_hash).  Before storing, the handler looks the signed string up
-- here:
--   - accepted before with another meaning: refused, "signature reused
--     with other fields";
--   - accepted before with this meaning on this route: a retry or a
--     replay, acknowledged again and not stored again, so a row the back
--     office soft-deleted stays deleted (a new order or account has
--     another TrxId, so another signed string);
--   - answered the same way before: no new audit row.
-- Posts that add no audit row are counted in bank_callback_replays
-- (seen, last_seen): the audit stays one row per distinct signed callback
-- and answer.  Rows audited before this file have no hashes: a replay of
-- one of those is handled as new (the live-row unique indexes still hold).
--
-- Safe to apply twice.

ALTER TABLE bank_callback_audit ADD COLUMN IF NOT EXISTS signed_hash bytea;
ALTER TABLE bank_callback_audit ADD COLUMN IF NOT EXISTS meaning_hash bytea;
-- The lookup's index was on the audit until 008 gave the lookup its own
-- table (bank_callback_signatures); 008 drops it where it exists.

CREATE TABLE IF NOT EXISTS bank_callback_replays (
    signed_hash  bytea       NOT NULL,
    route        text        NOT NULL,
    meaning_hash bytea       NOT NULL,
    seen         bigint      NOT NULL DEFAULT 1,   -- posts not audited again
    last_seen    timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (signed_hash, route, meaning_hash)
);

-- The lookup reads only what it needs of the audit.
GRANT SELECT (signed_hash, meaning_hash, route, status, verdict)
    ON bank_callback_audit TO "bank-callback";
GRANT SELECT, INSERT, UPDATE ON bank_callback_replays TO "bank-callback";
