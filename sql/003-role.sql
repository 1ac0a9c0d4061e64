-- The role bank-callback logs in as, with only the grants it uses: no
-- DELETE, no TRUNCATE, no DDL, and INSERT only on the audit table.
-- Named like the systemd unit's dynamic user, so PostgreSQL's peer
-- authentication over the unix socket needs no password.
-- Safe to apply twice.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'bank-callback') THEN
        CREATE ROLE "bank-callback" LOGIN;
    END IF;
END
$$;

REVOKE ALL ON bank_customers, bank_mer_customers, bank_netsave, bank_callback_audit
    FROM "bank-callback";
-- Upserts: INSERT ... ON CONFLICT DO UPDATE needs SELECT and UPDATE too;
-- RefreshRedis and --check read.
GRANT SELECT, INSERT, UPDATE ON bank_customers, bank_mer_customers, bank_netsave
    TO "bank-callback";
GRANT INSERT ON bank_callback_audit TO "bank-callback";
