"""Accepted versions are frozen by the database itself, not only by the UI.

PostgreSQL gets PL/pgSQL triggers; SQLite (the embedded default) gets the same rule written as
SQLite triggers. Either refuses any UPDATE or DELETE of an accepted version or of its values.
"""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION metrics_refuse_accepted_version_change() RETURNS trigger AS $$
BEGIN
    IF OLD.accepted THEN
        RAISE EXCEPTION 'return version % is accepted and frozen', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION metrics_refuse_accepted_value_change() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM metrics_returnversion v WHERE v.id = OLD.version_id AND v.accepted) THEN
        RAISE EXCEPTION 'values of return version % are accepted and frozen', OLD.version_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER metrics_returnversion_frozen BEFORE UPDATE OR DELETE ON metrics_returnversion
    FOR EACH ROW EXECUTE FUNCTION metrics_refuse_accepted_version_change();
CREATE TRIGGER metrics_value_frozen BEFORE UPDATE OR DELETE ON metrics_value
    FOR EACH ROW EXECUTE FUNCTION metrics_refuse_accepted_value_change();
"""

POSTGRES_REVERSE = """
DROP TRIGGER IF EXISTS metrics_returnversion_frozen ON metrics_returnversion;
DROP TRIGGER IF EXISTS metrics_value_frozen ON metrics_value;
DROP FUNCTION IF EXISTS metrics_refuse_accepted_version_change();
DROP FUNCTION IF EXISTS metrics_refuse_accepted_value_change();
"""

SQLITE = [
    """CREATE TRIGGER metrics_returnversion_frozen_update BEFORE UPDATE ON metrics_returnversion
       WHEN OLD.accepted BEGIN SELECT RAISE(ABORT, 'return version is accepted and frozen'); END""",
    """CREATE TRIGGER metrics_returnversion_frozen_delete BEFORE DELETE ON metrics_returnversion
       WHEN OLD.accepted BEGIN SELECT RAISE(ABORT, 'return version is accepted and frozen'); END""",
    """CREATE TRIGGER metrics_value_frozen_update BEFORE UPDATE ON metrics_value
       WHEN (SELECT accepted FROM metrics_returnversion WHERE id = OLD.version_id)
       BEGIN SELECT RAISE(ABORT, 'values of an accepted return version are frozen'); END""",
    """CREATE TRIGGER metrics_value_frozen_delete BEFORE DELETE ON metrics_value
       WHEN (SELECT accepted FROM metrics_returnversion WHERE id = OLD.version_id)
       BEGIN SELECT RAISE(ABORT, 'values of an accepted return version are frozen'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS metrics_returnversion_frozen_update",
    "DROP TRIGGER IF EXISTS metrics_returnversion_frozen_delete",
    "DROP TRIGGER IF EXISTS metrics_value_frozen_update",
    "DROP TRIGGER IF EXISTS metrics_value_frozen_delete",
]


def install(apps, schema_editor):  # type: ignore[no-untyped-def]
    statements = [POSTGRES] if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        # params=None: the PL/pgSQL holds '%' placeholders of RAISE, not query parameters.
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):  # type: ignore[no-untyped-def]
    vendor = schema_editor.connection.vendor
    for statement in [POSTGRES_REVERSE] if vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
