-- Audit retention: bank_callback_audit is partitioned by month, so that
-- rows older than the retention period (they hold personal data: IdNo,
-- UsrMp, CardId, names) go by dropping whole months, while no role may
-- UPDATE, DELETE or TRUNCATE a row.
--
--   bank_callback_audit              partitioned by received_at
--   bank_callback_audit_YYYY_MM      one month, China time (the bank's and
--                                    the users'), e.g. bank_callback_audit_2026_11
--   bank_callback_audit_default      rows of a month that has no partition
--                                    yet: an insert never fails for want of one
--
-- The operator's one command, as the role "bank-callback-retention", which
-- may run it and nothing else (README, "Audit retention"; SECURITY.md,
-- "How long personal data stays"):
--
--   SELECT * FROM bank_callback_audit_retire('5 years');
--
-- It makes the coming months' partitions and drops every month that ended
-- more than the period ago, and says what it did.  Run it monthly.
--
-- An unpartitioned audit table (from 002 and 004) is converted in place,
-- in one transaction: every row is copied with its id, ids go on after
-- the highest, and the indexes, triggers and the handler's grants are made
-- again as 002 to 006 made them.  Applying 001 to 007 again afterwards
-- finds everything in place.  Safe to apply twice.
--
-- One transaction: the conversion, and the retire function with its fixed
-- search_path and its grants, appear whole or not at all.
BEGIN;

-- The audit table's schema: new partitions go beside it.
CREATE OR REPLACE FUNCTION bank_callback_audit_schema() RETURNS name
LANGUAGE sql STABLE AS $$
    SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = 'bank_callback_audit'::regclass
$$;

-- The month that begins on `month` (China time).  Who may run it: the
-- owner, and bank_callback_audit_retire (as the owner).
CREATE OR REPLACE FUNCTION bank_callback_audit_add_month(month date) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    part text := 'bank_callback_audit_' || to_char(month, 'YYYY_MM');
BEGIN
    IF month <> date_trunc('month', month) THEN
        RAISE EXCEPTION 'bank_callback_audit_add_month: % is not the first of a month', month;
    END IF;
    IF to_regclass(part) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    -- In the parent's schema, whatever search_path says (the retire
    -- function's puts pg_catalog first).
    EXECUTE format('CREATE TABLE %I.%I PARTITION OF bank_callback_audit FOR VALUES FROM (%L) TO (%L)',
                   bank_callback_audit_schema(), part, month::timestamp AT TIME ZONE 'Asia/Shanghai',
                   (month + interval '1 month') AT TIME ZONE 'Asia/Shanghai');
    -- Row triggers are cloned onto each partition; TRUNCATE triggers are
    -- not, and a partition can be truncated by name.
    EXECUTE format('CREATE TRIGGER bank_callback_audit_no_truncate BEFORE TRUNCATE ON %I '
                   'FOR EACH STATEMENT EXECUTE FUNCTION bank_callback_audit_append_only()', part);
    RETURN part;
END
$$;

-- The default partition, guarded like the months.
CREATE OR REPLACE FUNCTION bank_callback_audit_add_default() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF to_regclass('bank_callback_audit_default') IS NULL THEN
        EXECUTE format('CREATE TABLE %I.bank_callback_audit_default PARTITION OF bank_callback_audit DEFAULT',
                       bank_callback_audit_schema());
        CREATE TRIGGER bank_callback_audit_no_truncate BEFORE TRUNCATE ON bank_callback_audit_default
            FOR EACH STATEMENT EXECUTE FUNCTION bank_callback_audit_append_only();
    END IF;
END
$$;

-- Every missing month from this one to `ahead` months on, and the month
-- of every row in the default partition.  PostgreSQL refuses a month's
-- partition while the default partition holds rows of that month, so when
-- it holds any, it is detached first, the months are made, its rows go
-- back through the parent into their months (ids kept; an INSERT, so the
-- append-only triggers are not in the way) and the detached table is
-- dropped, all in the caller's transaction: nothing is lost or seen twice.
-- The default stays empty as long as the months are made ahead of time.
CREATE OR REPLACE FUNCTION bank_callback_audit_add_months(ahead integer)
RETURNS TABLE (audit_partition text, from_time timestamptz, to_time timestamptz, row_count bigint)
LANGUAGE plpgsql AS $$
DECLARE
    this_month date := date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai');
    months date[];
    strays boolean;
    m date;
BEGIN
    PERFORM bank_callback_audit_add_default();
    SELECT array_agg(s::date) INTO months
      FROM generate_series(this_month::timestamp, this_month + ahead * interval '1 month', interval '1 month') s
     WHERE to_regclass('bank_callback_audit_' || to_char(s, 'YYYY_MM')) IS NULL;
    strays := EXISTS (SELECT FROM bank_callback_audit_default);
    IF months IS NULL AND NOT strays THEN
        RETURN;
    END IF;
    -- No insert may slip into the default partition from here on.
    LOCK TABLE bank_callback_audit IN ACCESS EXCLUSIVE MODE;
    strays := EXISTS (SELECT FROM bank_callback_audit_default);
    IF strays THEN
        ALTER TABLE bank_callback_audit DETACH PARTITION bank_callback_audit_default;
        ALTER TABLE bank_callback_audit_default RENAME TO bank_callback_audit_default_moving;
        months := months || ARRAY(
            SELECT DISTINCT date_trunc('month', received_at AT TIME ZONE 'Asia/Shanghai')::date
              FROM bank_callback_audit_default_moving);
    END IF;
    FOR m IN SELECT DISTINCT u FROM unnest(months) u ORDER BY 1 LOOP
        audit_partition := bank_callback_audit_add_month(m);
        CONTINUE WHEN audit_partition IS NULL;
        from_time := m::timestamp AT TIME ZONE 'Asia/Shanghai';
        to_time := (m + interval '1 month') AT TIME ZONE 'Asia/Shanghai';
        row_count := 0;
        IF strays THEN
            SELECT count(*) INTO row_count FROM bank_callback_audit_default_moving
             WHERE received_at >= from_time AND received_at < to_time;
        END IF;
        RETURN NEXT;
    END LOOP;
    IF strays THEN
        INSERT INTO bank_callback_audit OVERRIDING SYSTEM VALUE
            SELECT * FROM bank_callback_audit_default_moving;
        DROP TABLE bank_callback_audit_default_moving;
        PERFORM bank_callback_audit_add_default();
    END IF;
END
$$;

-- The conversion: only while bank_callback_audit is a plain table.  One
-- DO block, so one transaction: an error leaves the table as it was.
DO $$
DECLARE
    old_columns text;
    m date;
    max_id bigint;
BEGIN
    IF (SELECT relkind FROM pg_class WHERE oid = 'bank_callback_audit'::regclass) <> 'r' THEN
        RETURN;
    END IF;
    -- A column 002 and 004 did not make would not be copied: stop instead.
    SELECT string_agg(attname, ', ') INTO old_columns FROM pg_attribute
     WHERE attrelid = 'bank_callback_audit'::regclass AND attnum > 0 AND NOT attisdropped
       AND attname <> ALL (ARRAY['id', 'received_at', 'route', 'cmd_id', 'trx_id', 'ord_id',
                                 'usr_id', 'usr_cust_id', 'status', 'verdict', 'fields', 'body',
                                 'signed_hash', 'meaning_hash']);
    IF old_columns IS NOT NULL THEN
        RAISE EXCEPTION '008: bank_callback_audit has columns this file would not copy: %', old_columns;
    END IF;

    -- The old table gives up its name, and the names of its key, identity
    -- sequence and indexes, so that the new table has 002's and 004's.
    LOCK TABLE bank_callback_audit IN ACCESS EXCLUSIVE MODE;
    ALTER TABLE bank_callback_audit RENAME TO bank_callback_audit_unpartitioned;
    ALTER TABLE bank_callback_audit_unpartitioned DROP CONSTRAINT bank_callback_audit_pkey;
    ALTER TABLE bank_callback_audit_unpartitioned ALTER COLUMN id DROP IDENTITY;
    DROP INDEX IF EXISTS bank_callback_audit_ord_id, bank_callback_audit_trx_id,
        bank_callback_audit_usr_id, bank_callback_audit_usr_cust_id,
        bank_callback_audit_signed_hash;

    -- 002's and 004's columns; the key must hold the partition key.
    CREATE TABLE bank_callback_audit (
        id           bigint      GENERATED ALWAYS AS IDENTITY,
        received_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        route        text        NOT NULL,
        cmd_id       text,
        trx_id       text,
        ord_id       text,
        usr_id       text,
        usr_cust_id  text,
        status       smallint    NOT NULL,
        verdict      text        NOT NULL,
        fields       json        NOT NULL,
        body         text        NOT NULL,
        signed_hash  bytea,
        meaning_hash bytea,
        PRIMARY KEY (id, received_at)
    ) PARTITION BY RANGE (received_at);
    CREATE INDEX bank_callback_audit_ord_id ON bank_callback_audit (ord_id);
    CREATE INDEX bank_callback_audit_trx_id ON bank_callback_audit (trx_id);
    CREATE INDEX bank_callback_audit_usr_id ON bank_callback_audit (usr_id);
    CREATE INDEX bank_callback_audit_usr_cust_id ON bank_callback_audit (usr_cust_id);

    FOR m IN SELECT DISTINCT date_trunc('month', received_at AT TIME ZONE 'Asia/Shanghai')::date
               FROM bank_callback_audit_unpartitioned LOOP
        PERFORM bank_callback_audit_add_month(m);
    END LOOP;
    PERFORM bank_callback_audit_add_default();

    INSERT INTO bank_callback_audit (id, received_at, route, cmd_id, trx_id, ord_id, usr_id,
                                     usr_cust_id, status, verdict, fields, body,
                                     signed_hash, meaning_hash)
    OVERRIDING SYSTEM VALUE
    SELECT id, received_at, route, cmd_id, trx_id, ord_id, usr_id, usr_cust_id, status,
           verdict, fields, body, signed_hash, meaning_hash
      FROM bank_callback_audit_unpartitioned;
    SELECT max(id) INTO max_id FROM bank_callback_audit;
    IF max_id IS NOT NULL THEN
        PERFORM setval(pg_get_serial_sequence('bank_callback_audit', 'id'), max_id);
    END IF;
    -- DROP, not DELETE or TRUNCATE: the old table's triggers do not apply.
    DROP TABLE bank_callback_audit_unpartitioned;
END
$$;

-- As 002 makes them (re-applying 002 drops and makes them again, on the
-- parent and, for the row trigger, every partition).
DROP TRIGGER IF EXISTS bank_callback_audit_no_rewrite ON bank_callback_audit;
CREATE TRIGGER bank_callback_audit_no_rewrite
    BEFORE UPDATE OR DELETE ON bank_callback_audit
    FOR EACH ROW EXECUTE FUNCTION bank_callback_audit_append_only();
DROP TRIGGER IF EXISTS bank_callback_audit_no_truncate ON bank_callback_audit;
CREATE TRIGGER bank_callback_audit_no_truncate
    BEFORE TRUNCATE ON bank_callback_audit
    FOR EACH STATEMENT EXECUTE FUNCTION bank_callback_audit_append_only();

-- The handler's grants, as 003, 004 and 006 give them: INSERT, and SELECT
-- of the ids, hashes, route, time, status and verdict; never fields or
-- body.  Partitions have no grants: only the parent is reached.
GRANT INSERT ON bank_callback_audit TO "bank-callback";
GRANT SELECT (signed_hash, meaning_hash, route, status, verdict,
              received_at, cmd_id, trx_id, ord_id, usr_id, usr_cust_id)
    ON bank_callback_audit TO "bank-callback";

-- bank_callback_signatures: what the replay lookup (db/signatures.c) reads
-- before every signed callback is stored.  On the partitioned audit, that
-- lookup by signed_hash would search every month, and each new backend
-- (one per request without PgBouncer) would first have to open and plan
-- every partition and its indexes: 3-7 ms with a year of months, 40-70 ms
-- with five, against about 60 ms for a whole request.  This one table,
-- kept by a trigger on the audit, holds only hashes and outcomes (no field,
-- no body), so the lookup plans one index whatever the audit's size.  Its
-- rows leave with their month (bank_callback_audit_retire).
DO $$
BEGIN
    IF to_regclass('bank_callback_signatures') IS NULL THEN
        CREATE TABLE bank_callback_signatures (
            audit_id     bigint      NOT NULL,   -- bank_callback_audit.id
            received_at  timestamptz NOT NULL,
            signed_hash  bytea       NOT NULL,
            meaning_hash bytea       NOT NULL,
            route        text        NOT NULL,
            status       smallint    NOT NULL,
            verdict      text        NOT NULL
        );
        -- The rows the audit already holds: those with hashes (004 on).
        INSERT INTO bank_callback_signatures
            SELECT id, received_at, signed_hash, meaning_hash, route, status, verdict
              FROM bank_callback_audit WHERE signed_hash IS NOT NULL;
        CREATE INDEX bank_callback_signatures_signed_hash
            ON bank_callback_signatures (signed_hash);
    END IF;
END
$$;

-- SECURITY DEFINER: the handler's role may insert an audit row, and this
-- follows from it; it may not write here itself.  The function's body and
-- the handler's grants only while the table has this file's shape: 010
-- gives it another, with a body and grants of its own, which applying
-- this file again must not undo.
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_attribute
                WHERE attrelid = 'bank_callback_signatures'::regclass
                  AND attname = 'audit_id' AND NOT attisdropped) THEN
        CREATE OR REPLACE FUNCTION bank_callback_signatures_add() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER AS $f$
        BEGIN
            INSERT INTO bank_callback_signatures
                VALUES (NEW.id, NEW.received_at, NEW.signed_hash, NEW.meaning_hash,
                        NEW.route, NEW.status, NEW.verdict);
            RETURN NULL;
        END
        $f$;
        EXECUTE format('ALTER FUNCTION bank_callback_signatures_add() SET search_path = pg_catalog, %I, pg_temp',
                       current_schema());
        REVOKE ALL ON bank_callback_signatures FROM "bank-callback";
        GRANT SELECT ON bank_callback_signatures TO "bank-callback";
    END IF;
END
$$;
REVOKE ALL ON FUNCTION bank_callback_signatures_add() FROM PUBLIC;
DROP TRIGGER IF EXISTS bank_callback_signatures_add ON bank_callback_audit;
CREATE TRIGGER bank_callback_signatures_add
    AFTER INSERT ON bank_callback_audit
    FOR EACH ROW WHEN (NEW.signed_hash IS NOT NULL)
    EXECUTE FUNCTION bank_callback_signatures_add();
-- The audit's own signed_hash index (004) served only the lookup, and of
-- its indexes it cost the INSERT most (random keys, bench/results/
-- 2026-11-27-audit-indexes.md): the lookup has its own now.
DROP INDEX IF EXISTS bank_callback_audit_signed_hash;

-- The operator's command.  SECURITY DEFINER: it runs as its owner, the
-- owner of the table, since only an owner may drop a partition; the
-- retention role gets this and nothing else.  search_path is fixed (and
-- pg_temp last) so that no caller's schema or temporary table stands in
-- for ours; lock_timeout, so that a long query on the audit makes it fail
-- (run it again) instead of queueing every callback behind it.
CREATE OR REPLACE FUNCTION bank_callback_audit_retire(keep interval DEFAULT '5 years')
RETURNS TABLE (action text, audit_partition text, from_time timestamptz, to_time timestamptz,
               row_count bigint)
LANGUAGE plpgsql SECURITY DEFINER SET lock_timeout = '3s' AS $$
DECLARE
    cutoff timestamptz := now() - keep;
    p record;
BEGIN
    -- The minimum guards against a slip of the unit ('5 months', '5 days').
    IF keep IS NULL OR cutoff > now() - interval '1 year' THEN
        RAISE EXCEPTION 'bank_callback_audit_retire: % is under the minimum retention of 1 year; nothing dropped', keep
            USING HINT = 'The period is the one SECURITY.md states, e.g. ''5 years''.';
    END IF;
    -- First the coming months, and the months of rows in the default
    -- partition, so that those rows are retired with their month too.
    RETURN QUERY SELECT 'created', a.audit_partition, a.from_time, a.to_time, a.row_count
                   FROM bank_callback_audit_add_months(3) a;
    -- The bounds as PostgreSQL keeps them, not the names, say which month
    -- a partition holds; the default partition has none and is never dropped.
    FOR p IN
        SELECT c.oid::regclass AS rel, c.relname, b[1]::timestamptz AS lo, b[2]::timestamptz AS hi
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid),
                                         '^FOR VALUES FROM \(''([^'']+)''\) TO \(''([^'']+)''\)$') b
         WHERE i.inhparent = 'bank_callback_audit'::regclass
           AND b[2]::timestamptz <= cutoff
         ORDER BY lo
    LOOP
        action := 'dropped';
        audit_partition := p.relname;
        from_time := p.lo;
        to_time := p.hi;
        EXECUTE format('SELECT count(*) FROM %s', p.rel) INTO row_count;
        EXECUTE format('DROP TABLE %s', p.rel);
        -- The month's hashes go with it, but for an acceptance or a
        -- refusal as ambiguous: a signed string is never reopened
        -- (sql/010-signed-strings.sql).
        DELETE FROM bank_callback_signatures
         WHERE received_at < p.hi
           AND NOT (status = 200 OR verdict IN ('redirected', 'refused, more than one meaning'));
        RETURN NEXT;
    END LOOP;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION bank_callback_audit_retire(interval) SET search_path = pg_catalog, %I, pg_temp',
                   current_schema());
END
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bank-callback-retention') THEN
        CREATE ROLE "bank-callback-retention" LOGIN;
    END IF;
END
$$;
-- New functions are executable by PUBLIC: only the retention role may
-- retire, and the helpers are the owner's.
REVOKE ALL ON FUNCTION bank_callback_audit_retire(interval), bank_callback_audit_add_months(integer),
    bank_callback_audit_add_month(date), bank_callback_audit_add_default(),
    bank_callback_audit_schema() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bank_callback_audit_retire(interval) TO "bank-callback-retention";

-- The months ahead, on every application of sql/ too.
DO $$
BEGIN
    PERFORM count(*) FROM bank_callback_audit_add_months(3);
END
$$;

INSERT INTO bank_callback_schema_version (version, file) VALUES (8, '008-audit-partitions.sql')
ON CONFLICT (version) DO NOTHING;

COMMIT;
