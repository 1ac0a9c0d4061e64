-- A signal for the back office, which processes bank_netsave rows with
-- done = false: each new row sends, in the transaction that inserts it,
--
--   NOTIFY bank_netsave, '{"table" : "bank_netsave", "id" : "<the row's id>"}'
--
-- so that a consumer that LISTENs wakes at COMMIT instead of polling.
-- The payload names the table and the row, never personal data: read the
-- row for the rest.  AFTER INSERT fires only for a row really inserted,
-- not for a retry that ON CONFLICT skips, and a rolled-back transaction
-- sends nothing.  Notifications sent while a consumer is disconnected are
-- lost to it: it scans for undone rows when it (re)connects (README,
-- "The back office: new top-ups").  Safe to apply twice.

CREATE OR REPLACE FUNCTION bank_netsave_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('bank_netsave', json_build_object('table', 'bank_netsave', 'id', NEW.id)::text);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS bank_netsave_notify ON bank_netsave;
CREATE TRIGGER bank_netsave_notify
    AFTER INSERT ON bank_netsave
    FOR EACH ROW EXECUTE FUNCTION bank_netsave_notify();

INSERT INTO bank_callback_schema_version (version, file) VALUES (9, '009-netsave-notify.sql')
ON CONFLICT (version) DO NOTHING;
