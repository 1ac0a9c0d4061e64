-- bank_callback_schema_version: which sql/ files this database has had.
--
-- Every file from this one on ends by recording its number here, so the
-- schema knows its version: max(version).  `bank-callback --check` reads
-- it and fails on a schema older than the binary needs.  Files 001 to 006
-- came before this table; reaching this file means they were applied (in
-- order, as every install and upgrade applies sql/*.sql), so it records
-- them too.
--
-- Upgrading from any earlier version, the design's original tables
-- included, is applying every file of sql/ in order: each is safe to
-- apply again.  Safe to apply twice.

CREATE TABLE IF NOT EXISTS bank_callback_schema_version (
    version    integer     PRIMARY KEY,
    file       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO bank_callback_schema_version (version, file) VALUES
    (1, '001-schema.sql'),
    (2, '002-audit.sql'),
    (3, '003-role.sql'),
    (4, '004-replays.sql'),
    (5, '005-netsave-unsigned.sql'),
    (6, '006-support.sql'),
    (7, '007-schema-version.sql')
ON CONFLICT (version) DO NOTHING;

-- --check reads the version as the handler's role.
GRANT SELECT ON bank_callback_schema_version TO "bank-callback";
