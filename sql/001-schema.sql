-- bank-callback schema: the design's three tables.
-- Safe to apply twice: every statement is IF NOT EXISTS or checks first.
-- gen_random_uuid() is built in since PostgreSQL 13.
--
-- It also upgrades the design's original tables (made before this
-- project, without NOT NULL, a default on id or unique indexes; before
-- 2016-11-16 with openid instead of pnrid): see "Upgrading the design's
-- original tables" below and README "Upgrading".  On tables this file
-- made, that part changes nothing (it only adds its empty log table).

CREATE TABLE IF NOT EXISTS bank_customers (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    pnrid       char(25)    NOT NULL,           -- UsrId at the bank (was openid)
    cust_id     char(16)    NOT NULL,           -- UsrCustId, the bank's customer id
    created_at  timestamp   NOT NULL DEFAULT now(),
    updated_at  timestamp   NOT NULL DEFAULT now(),
    deleted     boolean     NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS bank_mer_customers (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    usr_id       varchar(25) NOT NULL,
    usr_name     varchar(50),
    usr_cust_id  varchar(16),                   -- NULL until the bank opens the account
    audit_stat   char(1)     NOT NULL,
    trx_id       char(18)    NOT NULL,
    open_bank_id varchar(8),
    card_id      varchar(40),
    created_at   timestamp   NOT NULL DEFAULT now(),
    updated_at   timestamp   NOT NULL DEFAULT now(),
    deleted      boolean     NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS bank_netsave (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    cust_id     char(16)    NOT NULL,
    ord_id      char(30)    NOT NULL,
    data        json        NOT NULL,           -- the other signed fields (unsigned ones: 005)
    done        boolean     NOT NULL DEFAULT false,  -- set by the back office
    created_at  timestamp   NOT NULL DEFAULT now(),
    updated_at  timestamp   NOT NULL DEFAULT now(),
    deleted     boolean     NOT NULL DEFAULT false
);

-- Upgrading the design's original tables ---------------------------------
--
-- What the upgrade did or left, row by row, for whoever reviews it: the
-- rows it marked deleted (with the row kept for the same key) and the rows
-- it left with a NULL where a value is required.  Ids only.
CREATE TABLE IF NOT EXISTS bank_callback_upgrade_log (
    table_name text        NOT NULL,
    row_id     uuid        NOT NULL,
    reason     text        NOT NULL,
    kept_id    uuid,                            -- the live row kept for the same key
    logged_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, row_id, reason)    -- applying again logs nothing twice
);

-- Before 2016-11-16 the design called bank_customers.pnrid "openid".
DO $$
DECLARE
    cols name[] := ARRAY(SELECT attname FROM pg_catalog.pg_attribute
                         WHERE attrelid = 'bank_customers'::regclass
                           AND attname IN ('openid', 'pnrid') AND NOT attisdropped);
BEGIN
    IF cols @> ARRAY['openid', 'pnrid']::name[] THEN
        RAISE EXCEPTION 'bank_customers has both openid and pnrid: merge them by hand, then apply sql/ again';
    ELSIF cols = ARRAY['openid']::name[] THEN
        ALTER TABLE bank_customers RENAME COLUMN openid TO pnrid;
        RAISE NOTICE 'bank_customers: column openid renamed to pnrid';
    END IF;
END
$$;

-- Duplicate live rows.  Without unique indexes a bank retry could add a
-- second live row for one key, which the indexes below would refuse.  Per
-- key one live row is kept and the others are marked deleted, the soft
-- delete the back office uses: nothing is removed, and the audit lookup
-- never brings a deleted row back.  The row kept:
--   - bank_netsave: one the back office has processed (done) first, so
--     that no top-up it credited shows as pending again;
--   - then, every table: the most recently updated, which is the one the
--     Redis caches hold (RefreshRedis writes rows in updated_at order and
--     the last one wins); then the latest created; then the lowest id.
-- A WARNING asks for a person where the copies disagree on the bank's
-- customer id or on a top-up's data, or where two copies were processed.
DO $$
DECLARE
    n_marked bigint;
    n_odd bigint;
BEGIN
    WITH live AS (
        SELECT id, first_value(id) OVER w AS kept_id, row_number() OVER w AS n,
               coalesce(cust_id <> first_value(cust_id) OVER w, false) AS other
          FROM bank_customers WHERE NOT deleted AND pnrid IS NOT NULL
        WINDOW w AS (PARTITION BY pnrid
                     ORDER BY updated_at DESC NULLS LAST, created_at DESC NULLS LAST, id)
    ), marked AS (
        UPDATE bank_customers t SET deleted = true FROM live
         WHERE t.id = live.id AND live.n > 1
        RETURNING t.id, live.kept_id, live.other
    ), logged AS (
        INSERT INTO bank_callback_upgrade_log (table_name, row_id, kept_id, reason)
        SELECT 'bank_customers', id, kept_id, 'duplicate live pnrid, marked deleted'
               || CASE WHEN other THEN '; another cust_id than the row kept' ELSE '' END
          FROM marked
    )
    SELECT count(*), count(*) FILTER (WHERE other) INTO n_marked, n_odd FROM marked;
    IF n_marked > 0 THEN
        RAISE NOTICE 'bank_customers: duplicate live rows marked deleted: % (bank_callback_upgrade_log)', n_marked;
    END IF;
    IF n_odd > 0 THEN
        RAISE WARNING 'bank_customers: rows marked that named another cust_id than the row kept: %; check with the bank', n_odd;
    END IF;

    WITH live AS (
        SELECT id, first_value(id) OVER w AS kept_id, row_number() OVER w AS n,
               coalesce(usr_cust_id <> first_value(usr_cust_id) OVER w, false) AS other
          FROM bank_mer_customers WHERE NOT deleted AND usr_id IS NOT NULL
        WINDOW w AS (PARTITION BY usr_id
                     ORDER BY updated_at DESC NULLS LAST, created_at DESC NULLS LAST, id)
    ), marked AS (
        UPDATE bank_mer_customers t SET deleted = true FROM live
         WHERE t.id = live.id AND live.n > 1
        RETURNING t.id, live.kept_id, live.other
    ), logged AS (
        INSERT INTO bank_callback_upgrade_log (table_name, row_id, kept_id, reason)
        SELECT 'bank_mer_customers', id, kept_id, 'duplicate live usr_id, marked deleted'
               || CASE WHEN other THEN '; another usr_cust_id than the row kept' ELSE '' END
          FROM marked
    )
    SELECT count(*), count(*) FILTER (WHERE other) INTO n_marked, n_odd FROM marked;
    IF n_marked > 0 THEN
        RAISE NOTICE 'bank_mer_customers: duplicate live rows marked deleted: % (bank_callback_upgrade_log)', n_marked;
    END IF;
    IF n_odd > 0 THEN
        RAISE WARNING 'bank_mer_customers: rows marked that named another usr_cust_id than the row kept: %; check with the bank', n_odd;
    END IF;

    WITH live AS (
        SELECT id, done, first_value(id) OVER w AS kept_id, row_number() OVER w AS n,
               coalesce(data::text <> first_value(data::text) OVER w, false) AS other
          FROM bank_netsave WHERE NOT deleted AND ord_id IS NOT NULL
        WINDOW w AS (PARTITION BY ord_id
                     ORDER BY done DESC NULLS LAST, updated_at DESC NULLS LAST,
                              created_at DESC NULLS LAST, id)
    ), marked AS (
        UPDATE bank_netsave t SET deleted = true FROM live
         WHERE t.id = live.id AND live.n > 1
        RETURNING t.id, live.kept_id, live.other, live.done
    ), logged AS (
        INSERT INTO bank_callback_upgrade_log (table_name, row_id, kept_id, reason)
        SELECT 'bank_netsave', id, kept_id, 'duplicate live ord_id, marked deleted'
               || CASE WHEN other THEN '; other data than the row kept' ELSE '' END
               || CASE WHEN done THEN '; done, as the row kept: credited twice?' ELSE '' END
          FROM marked
    )
    SELECT count(*), count(*) FILTER (WHERE other OR done) INTO n_marked, n_odd FROM marked;
    IF n_marked > 0 THEN
        RAISE NOTICE 'bank_netsave: duplicate live rows marked deleted: % (bank_callback_upgrade_log)', n_marked;
    END IF;
    IF n_odd > 0 THEN
        RAISE WARNING 'bank_netsave: rows marked with other data than the row kept or done too: %; check those top-ups', n_odd;
    END IF;
END
$$;

-- Defaults and NOT NULL as the tables above have them.  A column that
-- holds NULLs keeps them and stays nullable: the upgrade does not make up
-- an id, an order or a time.  Its rows are logged; once they are put
-- right by hand, applying sql/ again adds the NOT NULL.  Meanwhile the
-- handler, like the unique indexes, takes a NULL deleted as not live.
-- The design's types are the ones above: there is nothing to convert.
DO $$
DECLARE
    c record;
    nulls bigint;
BEGIN
    FOR c IN
        SELECT v.tab, v.col, v.dflt, a.attnotnull, a.atthasdef
          FROM (VALUES
                ('bank_customers', 'id', 'gen_random_uuid()'),
                ('bank_customers', 'pnrid', NULL),
                ('bank_customers', 'cust_id', NULL),
                ('bank_customers', 'created_at', 'now()'),
                ('bank_customers', 'updated_at', 'now()'),
                ('bank_customers', 'deleted', 'false'),
                ('bank_mer_customers', 'id', 'gen_random_uuid()'),
                ('bank_mer_customers', 'usr_id', NULL),
                ('bank_mer_customers', 'audit_stat', NULL),
                ('bank_mer_customers', 'trx_id', NULL),
                ('bank_mer_customers', 'created_at', 'now()'),
                ('bank_mer_customers', 'updated_at', 'now()'),
                ('bank_mer_customers', 'deleted', 'false'),
                ('bank_netsave', 'id', 'gen_random_uuid()'),
                ('bank_netsave', 'cust_id', NULL),
                ('bank_netsave', 'ord_id', NULL),
                ('bank_netsave', 'data', NULL),
                ('bank_netsave', 'done', 'false'),
                ('bank_netsave', 'created_at', 'now()'),
                ('bank_netsave', 'updated_at', 'now()'),
                ('bank_netsave', 'deleted', 'false')) AS v(tab, col, dflt)
          LEFT JOIN pg_catalog.pg_attribute a
            ON a.attrelid = v.tab::regclass AND a.attname = v.col AND NOT a.attisdropped
    LOOP
        IF c.attnotnull IS NULL THEN
            RAISE EXCEPTION '%.% is missing: not a table of the design', c.tab, c.col;
        END IF;
        IF c.dflt IS NOT NULL AND NOT c.atthasdef THEN
            EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET DEFAULT %s', c.tab, c.col, c.dflt);
            RAISE NOTICE '%.%: default % added', c.tab, c.col, c.dflt;
        END IF;
        CONTINUE WHEN c.attnotnull;
        EXECUTE format('SELECT count(*) FROM %I WHERE %I IS NULL', c.tab, c.col) INTO nulls;
        IF nulls = 0 THEN
            EXECUTE format('ALTER TABLE %I ALTER COLUMN %I SET NOT NULL', c.tab, c.col);
            RAISE NOTICE '%.%: NOT NULL added', c.tab, c.col;
        ELSE
            EXECUTE format('INSERT INTO bank_callback_upgrade_log (table_name, row_id, reason) '
                           'SELECT %L, id, %L FROM %I WHERE %I IS NULL ON CONFLICT DO NOTHING',
                           c.tab, c.col || ' is NULL: left as it is', c.tab, c.col);
            RAISE WARNING '%.%: rows with NULL: % (bank_callback_upgrade_log); NOT NULL not added',
                c.tab, c.col, nulls;
        END IF;
    END LOOP;
END
$$;

-- One live row per key: the bank retries, and a retry must find the row
-- it already made.  Soft-deleted rows do not count.  The handler's
-- ON CONFLICT clauses name exactly these predicates.
CREATE UNIQUE INDEX IF NOT EXISTS bank_customers_pnrid_live
    ON bank_customers (pnrid) WHERE NOT deleted;
CREATE UNIQUE INDEX IF NOT EXISTS bank_mer_customers_usr_id_live
    ON bank_mer_customers (usr_id) WHERE NOT deleted;
CREATE UNIQUE INDEX IF NOT EXISTS bank_netsave_ord_id_live
    ON bank_netsave (ord_id) WHERE NOT deleted;
