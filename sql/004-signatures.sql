-- bank_callback_signatures: each signed string the bank's key verified,
-- once per route and meaning, with what we answered and how often it came.
--
-- The bank signs its fields glued together, so one ChkValue also signs
-- every other cutting of the same bytes.  A signed string already
-- accepted with one meaning is refused with any other ("signature reused
-- with other fields").  It is also how a retry is told from a new
-- callback: the same signed string was handled before, even when the back
-- office has since soft-deleted its row, so a replay never brings a
-- deleted row back; a new order or account has another TrxId, so another
-- signed string.  And it bounds the audit: a retry or replay counts here
-- (seen, last_seen) instead of adding a row to bank_callback_audit.
--
-- Safe to apply twice.

CREATE TABLE IF NOT EXISTS bank_callback_signatures (
    signed_hash  bytea       NOT NULL,      -- SHA-256 of the signed string
    route        text        NOT NULL,      -- e.g. /bank/netsave
    meaning_hash bytea       NOT NULL,      -- SHA-256 of the fields as cut (PINNED ones)
    cmd_id       text        NOT NULL,
    status       smallint    NOT NULL,      -- what we answered it, the last time it changed
    first_seen   timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen    timestamptz NOT NULL DEFAULT clock_timestamp(),
    seen         bigint      NOT NULL DEFAULT 1,
    PRIMARY KEY (signed_hash, route, meaning_hash)
);

GRANT SELECT, INSERT, UPDATE ON bank_callback_signatures TO "bank-callback";
