-- bank_callback_verdict: what was done with a request, as a type.
--
-- The binary says what it did with each request in one word of a fixed
-- set (db/verdict.c): the log line's outcome=, and the verdict column of
-- the audit and of the registry of signed strings.  Until this file the
-- columns were text: any word could be stored, and the schema's own SQL
-- (retention, 008) and the binary's matched prose.  Now they are this
-- enum, whose labels are the binary's words, listed below in its order;
-- `bank-callback --check` fails when the binary has a word the type
-- lacks.  A later binary's new word comes with a later file
-- (ALTER TYPE bank_callback_verdict ADD VALUE).
--
-- Why a request was refused is not a verdict: it is in the log line's
-- note, with the request's time and ids (the audit keeps every signed
-- byte of it, so the reason can always be found again).
--
-- History stays byte for byte: a word an earlier binary stored that is
-- not below (say "bound to another UsrCustId") becomes a label too, after
-- these, so every row keeps the verdict it was written with.  Each table
-- is rewritten once, under its lock, in this one transaction: the
-- handler waits (its statement timeout answers 503 and the bank retries)
-- rather than see half a change.  Safe to apply twice.
BEGIN;

DO $$
DECLARE
    words text[] := ARRAY[
        'rejected', 'failed', 'ok', 'caches rebuilt', 'unknown CmdId',
        'not verifiable', 'redirected, not verifiable',
        'refused, more than one meaning', 'signature reused with other fields',
        'redirected', 'redirected, not forwarded',
        'redirected, not forwarded: signature reused with other fields',
        'duplicate, answered again', 'stored', 'duplicate, kept the first',
        'opened', 'not opened', 'already opened',
        'UsrId already bound to another UsrCustId',
        'audit state stored', 'older audit state, kept the newer',
        'order stored', 'notice stored', 'failed, no id to store it under'];
    earlier text[];
    too_long text;
BEGIN
    IF to_regtype('bank_callback_verdict') IS NOT NULL THEN
        RETURN;
    END IF;
    LOCK TABLE bank_callback_audit, bank_callback_signatures IN ACCESS EXCLUSIVE MODE;
    SELECT coalesce(array_agg(v ORDER BY v), '{}') INTO earlier
      FROM (SELECT verdict::text AS v FROM bank_callback_audit
            UNION SELECT verdict::text FROM bank_callback_signatures) s
     WHERE v <> ALL (words);
    -- A label holds at most 63 bytes: stop rather than cut a word.
    SELECT string_agg(quote_literal(v), ', ') INTO too_long
      FROM unnest(earlier) v WHERE octet_length(v) > 63;
    IF too_long IS NOT NULL THEN
        RAISE EXCEPTION '012: verdicts longer than a label may be, nothing changed: %', too_long;
    END IF;
    EXECUTE format('CREATE TYPE bank_callback_verdict AS ENUM (%s)',
                   (SELECT string_agg(quote_literal(w), ', ' ORDER BY i)
                      FROM unnest(words || earlier) WITH ORDINALITY AS u(w, i)));
    ALTER TABLE bank_callback_audit
        ALTER COLUMN verdict TYPE bank_callback_verdict USING verdict::bank_callback_verdict;
    ALTER TABLE bank_callback_signatures
        ALTER COLUMN verdict TYPE bank_callback_verdict USING verdict::bank_callback_verdict;
END
$$;

INSERT INTO bank_callback_schema_version (version, file) VALUES (12, '012-verdicts.sql')
ON CONFLICT (version) DO NOTHING;

COMMIT;
