-- The platform's other bank flows: bids, loans, repayments, freezes,
-- withdrawals, card bindings, loan projects (README, "Routes";
-- doc/design.md, "bank_orders").
--
--   bank_orders          one row per order the bank tells us of: its CmdId
--                        and id, its parties and amounts, and its first
--                        notice's signed fields, as the bank signed them;
--                        where it stands now; done, deleted
--   bank_order_notices   every later notice about an order, as signed: after
--                        a withdrawal's 999 (processing), its 000, then its
--                        reconciliation (RespType 000 confirms, 400
--                        reverses); append-only
--
-- A retry of a notice (the same signed string) stores nothing: the registry
-- of signed strings answers it (010).  Every other notice about an order is
-- a row of bank_order_notices, never lost and never overwriting another;
-- the order's resp_code and resp_type move to it only when it is a later
-- stage (bank_order_later), and done goes back to false, so that the back
-- office looks again.  Most orders are told of once, and cost one row.
-- Amounts are numeric, exactly as the bank wrote them; an empty one is
-- NULL.
--
-- Safe to apply twice.
BEGIN;

CREATE TABLE IF NOT EXISTS bank_orders (
    id            uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    cmd_id        text          NOT NULL,   -- InitiativeTender, Cash, ...
    ord_id        text          NOT NULL,   -- OrdId; ProId for AddBidInfo, TrxId for UserBindCard
    ord_date      date,                     -- OrdDate, where the CmdId signs one
    usr_cust_id   text,                     -- the user's UsrCustId (BorrCustId for a loan project)
    out_cust_id   text,                     -- who pays (Loans, Repayment, Transfer)
    in_cust_id    text,                     -- who is paid
    trans_amt     numeric(18, 2),           -- TransAmt (BorrTotAmt): exact, never a float
    fee_amt       numeric(18, 2),           -- FeeAmt or Fee
    serv_fee      numeric(18, 2),           -- ServFee
    resp_code     text          NOT NULL,   -- where the order stands: its latest stage's RespCode
    resp_type     text,                     -- a reconciliation's RespType: 000 confirmed, 400 reversed
    notices       integer       NOT NULL DEFAULT 1,   -- the first, and the later ones
    data          json          NOT NULL,   -- the first notice's signed fields
    unsigned_data json          NOT NULL,   -- its known unsigned fields: never the bank's word
    done          boolean       NOT NULL DEFAULT false,  -- set by the back office; a new notice clears it
    created_at    timestamp     NOT NULL DEFAULT now(),
    updated_at    timestamp     NOT NULL DEFAULT now(),
    deleted       boolean       NOT NULL DEFAULT false
);
-- One live order per CmdId and id: a notice finds its order.
CREATE UNIQUE INDEX IF NOT EXISTS bank_orders_cmd_ord ON bank_orders (cmd_id, ord_id)
    WHERE NOT deleted;

CREATE TABLE IF NOT EXISTS bank_order_notices (
    id            uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    order_id      uuid          NOT NULL REFERENCES bank_orders (id),
    resp_type     text,
    resp_code     text          NOT NULL,
    trx_id        text,
    data          json          NOT NULL,   -- its signed fields
    unsigned_data json          NOT NULL,
    received_at   timestamp     NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS bank_order_notices_order_id ON bank_order_notices (order_id);

-- Where a notice stands in its order's life: 1 still processing (999),
-- 2 a result (000 or a failure), 3 the bank's reconciliation (RespType).
CREATE OR REPLACE FUNCTION bank_order_stage(resp_type text, resp_code text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN resp_type IS NOT NULL THEN 3 WHEN resp_code = '999' THEN 1 ELSE 2 END
$$;

-- Whether a new notice moves its order on from where it stands: one of a
-- later stage does, whatever order they arrive in (a late 999 never
-- undoes a 000), and a reversal (RespType 400) does from anything but
-- another reversal, even after a reconciliation that confirmed.
CREATE OR REPLACE FUNCTION bank_order_later(new_type text, new_code text,
                                            cur_type text, cur_code text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT bank_order_stage(new_type, new_code) > bank_order_stage(cur_type, cur_code)
        OR (new_type IS NOT DISTINCT FROM '400' AND cur_type IS DISTINCT FROM '400')
$$;

-- The notices are the history: no role rewrites them.
CREATE OR REPLACE FUNCTION bank_order_notices_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'bank_order_notices is append-only (% refused)', TG_OP;
END
$$;
DROP TRIGGER IF EXISTS bank_order_notices_no_rewrite ON bank_order_notices;
CREATE TRIGGER bank_order_notices_no_rewrite
    BEFORE UPDATE OR DELETE ON bank_order_notices
    FOR EACH ROW EXECUTE FUNCTION bank_order_notices_append_only();
DROP TRIGGER IF EXISTS bank_order_notices_no_truncate ON bank_order_notices;
CREATE TRIGGER bank_order_notices_no_truncate
    BEFORE TRUNCATE ON bank_order_notices
    FOR EACH STATEMENT EXECUTE FUNCTION bank_order_notices_append_only();

-- The back office's signal, as 009's for top-ups: a new order and each
-- later notice send, at COMMIT, NOTIFY bank_orders with the table and the
-- row: '{"table" : "bank_orders", "id" : "<id>"}' or '{"table" :
-- "bank_order_notices", "id" : "<id>"}'.  Read the row for the rest.
CREATE OR REPLACE FUNCTION bank_orders_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bank_orders', json_build_object('table', TG_TABLE_NAME, 'id', NEW.id)::text);
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS bank_orders_notify ON bank_orders;
CREATE TRIGGER bank_orders_notify
    AFTER INSERT ON bank_orders
    FOR EACH ROW EXECUTE FUNCTION bank_orders_notify();
DROP TRIGGER IF EXISTS bank_order_notices_notify ON bank_order_notices;
CREATE TRIGGER bank_order_notices_notify
    AFTER INSERT ON bank_order_notices
    FOR EACH ROW EXECUTE FUNCTION bank_orders_notify();

-- The handler: an order's row is inserted, or moved on by a later notice
-- (where it stands, its count, done back to false) and nothing else: an
-- order's amounts, parties and first notice are never rewritten; a notice
-- is only inserted.
REVOKE ALL ON bank_orders, bank_order_notices FROM "bank-callback";
GRANT SELECT, INSERT ON bank_orders TO "bank-callback";
GRANT UPDATE (resp_code, resp_type, notices, done, updated_at) ON bank_orders TO "bank-callback";
GRANT INSERT ON bank_order_notices TO "bank-callback";

INSERT INTO bank_callback_schema_version (version, file) VALUES (11, '011-orders.sql')
ON CONFLICT (version) DO NOTHING;

COMMIT;
