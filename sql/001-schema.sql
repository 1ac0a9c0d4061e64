-- bank-callback schema: the design's three tables.
-- Safe to apply twice: every statement is IF NOT EXISTS.
-- gen_random_uuid() is built in since PostgreSQL 13.

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

-- One live row per key: the bank retries, and a retry must find the row
-- it already made.  Soft-deleted rows do not count.  The handler's
-- ON CONFLICT clauses name exactly these predicates.
CREATE UNIQUE INDEX IF NOT EXISTS bank_customers_pnrid_live
    ON bank_customers (pnrid) WHERE NOT deleted;
CREATE UNIQUE INDEX IF NOT EXISTS bank_mer_customers_usr_id_live
    ON bank_mer_customers (usr_id) WHERE NOT deleted;
CREATE UNIQUE INDEX IF NOT EXISTS bank_netsave_ord_id_live
    ON bank_netsave (ord_id) WHERE NOT deleted;
