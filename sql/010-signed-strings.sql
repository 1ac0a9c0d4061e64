-- One signed string, a bounded record, for ever.
--
-- The bank signs its fields glued together, so anyone holding one genuine
-- signed callback (every user gets their own page return) can post it cut
-- at other field boundaries, and pad it with unknown fields, as often as
-- they like.  Before this file, each cutting had a meaning of its own, and
-- each refused cutting an audit row with up to 64 KiB of body: the audit
-- grew without bound from one callback, and the replay lookup read every
-- row a signed string ever had.
--
-- bank_callback_signatures now has one row per signed string, route and
-- answer (status and verdict, a fixed set of words the binary writes):
--
--   signed_hash, route, status, verdict   the key
--   meaning_hash                          the meaning of the first post so
--                                         answered (for an acceptance: the
--                                         one meaning ever accepted)
--   received_at, last_seen, seen          the first post, the last, how many
--
-- The first post of a signed string on a route with an answer is audited in
-- full (bank_callback_audit: fields and body; it holds every signed byte,
-- whichever cutting it was), and its row here is made by the audit's
-- trigger.  Every later post with that answer is only counted here: what a
-- signed string costs the database is bounded by the routes and answers
-- there are, whatever the number of cuttings or paddings, and the lookup
-- reads at most that many rows.  The handler serialises the posts of one
-- signed string with a transaction-level advisory lock, so two posts at
-- once cannot both be first.
--
-- Retention (bank_callback_audit_retire, 008) drops the rows of months that
-- ended long ago, but never the row of an acceptance or of a refusal as
-- ambiguous: a signed string accepted with one meaning never comes back
-- with another, and one refused as ambiguous stays refused.
--
-- Converted in place from 008's one row per audit row; the counts
-- bank_callback_replays held are added to the rows of their meaning.
-- bank_callback_replays itself stays as it was: only a binary older than
-- schema 10 writes it, and that binary still works on this schema.
-- Safe to apply twice.
BEGIN;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute
                WHERE attrelid = 'bank_callback_signatures'::regclass
                  AND attname = 'audit_id' AND NOT attisdropped) THEN
        LOCK TABLE bank_callback_signatures IN ACCESS EXCLUSIVE MODE;
        ALTER TABLE bank_callback_signatures RENAME TO bank_callback_signatures_009;
        DROP INDEX IF EXISTS bank_callback_signatures_signed_hash;
        CREATE TABLE bank_callback_signatures (
            signed_hash  bytea       NOT NULL,
            route        text        NOT NULL,
            status       smallint    NOT NULL,
            verdict      text        NOT NULL,
            meaning_hash bytea       NOT NULL,
            received_at  timestamptz NOT NULL,
            last_seen    timestamptz NOT NULL,
            seen         bigint      NOT NULL DEFAULT 1,
            PRIMARY KEY (signed_hash, route, status, verdict)
        );
        INSERT INTO bank_callback_signatures
            SELECT signed_hash, route, status, verdict,
                   (array_agg(meaning_hash ORDER BY received_at, audit_id))[1],
                   min(received_at), max(received_at), count(*)
              FROM bank_callback_signatures_009
             GROUP BY signed_hash, route, status, verdict;
        -- A count of posts the audit did not keep goes to a row of its
        -- signed string and route: the one with its meaning, an acceptance
        -- first, then the oldest.
        WITH target AS (
            SELECT t.signed_hash, t.route, t.status, t.verdict, r.seen, r.last_seen
              FROM bank_callback_replays r
             CROSS JOIN LATERAL (
                 SELECT s.signed_hash, s.route, s.status, s.verdict
                   FROM bank_callback_signatures s
                  WHERE s.signed_hash = r.signed_hash AND s.route = r.route
                  ORDER BY s.meaning_hash = r.meaning_hash DESC,
                           (s.status = 200 OR s.verdict = 'redirected') DESC, s.received_at
                  LIMIT 1) t
        ), sums AS (
            SELECT signed_hash, route, status, verdict, sum(seen) AS seen, max(last_seen) AS last_seen
              FROM target GROUP BY signed_hash, route, status, verdict
        )
        UPDATE bank_callback_signatures s
           SET seen = s.seen + sums.seen, last_seen = greatest(s.last_seen, sums.last_seen)
          FROM sums
         WHERE (s.signed_hash, s.route, s.status, s.verdict)
             = (sums.signed_hash, sums.route, sums.status, sums.verdict);
        DROP TABLE bank_callback_signatures_009;
    END IF;
END
$$;

-- The audit's trigger (008) makes a signed string's row for an answer with
-- its first (fully audited) post.  A binary older than schema 10 audits
-- every new meaning; its posts are counted on the row of their answer.
-- SECURITY DEFINER: the handler's role may insert an audit row, and this
-- follows from it; it may not insert here itself.
CREATE OR REPLACE FUNCTION bank_callback_signatures_add() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    INSERT INTO bank_callback_signatures AS s
        (signed_hash, route, status, verdict, meaning_hash, received_at, last_seen)
    VALUES (NEW.signed_hash, NEW.route, NEW.status, NEW.verdict, NEW.meaning_hash,
            NEW.received_at, NEW.received_at)
    ON CONFLICT (signed_hash, route, status, verdict)
    DO UPDATE SET seen = s.seen + 1, last_seen = greatest(s.last_seen, EXCLUDED.last_seen);
    RETURN NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION bank_callback_signatures_add() SET search_path = pg_catalog, %I, pg_temp',
                   current_schema());
END
$$;

-- The handler reads the rows of a signed string, and counts a post that
-- is not audited again: it may change the count and nothing else.
REVOKE ALL ON bank_callback_signatures FROM "bank-callback";
GRANT SELECT ON bank_callback_signatures TO "bank-callback";
GRANT UPDATE (seen, last_seen) ON bank_callback_signatures TO "bank-callback";

INSERT INTO bank_callback_schema_version (version, file) VALUES (10, '010-signed-strings.sql')
ON CONFLICT (version) DO NOTHING;

COMMIT;
