-- The support tool (bank-callback --show ID, --stats) reads the audit trail
-- with the handler's settings and role: when each callback came, on which
-- route, for which ids, and what was answered.  Ids and outcomes only: not
-- the fields or the body, which hold personal data.  Safe to apply twice.

GRANT SELECT (received_at, cmd_id, trx_id, ord_id, usr_id, usr_cust_id)
    ON bank_callback_audit TO "bank-callback";
