"""On PostgreSQL the audit table is append-only: a trigger refuses every UPDATE and DELETE, but

- the seal: an UPDATE of an unsealed entry (its seal columns NULL) that fills the seal columns and changes nothing
  else (`projects.audit.audit_seal`);
- the retention purge: a DELETE of a sealed entry while the transaction has set `selec.audit_purge` to 'on'
  (`manage.py audit_purge`, which records itself in the trail).

TRUNCATE is not a row operation and is left to the table's owner (Django's test runner empties tables with it);
run the portal as a database role that does not own its tables to keep it from the application too. Whatever gets
around the trigger, `manage.py audit_verify` finds in the hash chain.
"""

from django.db import migrations

SEAL = "ARRAY['seq', 'prev_hash', 'hash', 'sealed_at']"

CREATE = f"""
CREATE OR REPLACE FUNCTION projects_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('selec.audit_purge', true) = 'on' AND OLD.seq IS NOT NULL THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the audit trail is append-only: DELETE refused (entries leave only by manage.py audit_purge)';
    END IF;
    IF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL AND OLD.sealed_at IS NULL
        AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL AND NEW.sealed_at IS NOT NULL
        AND to_jsonb(NEW) - {SEAL} = to_jsonb(OLD) - {SEAL}
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: UPDATE refused (only the sealing of an unsealed entry is allowed)';
END;
$$;

CREATE TRIGGER projects_auditevent_append_only
    BEFORE UPDATE OR DELETE ON projects_auditevent
    FOR EACH ROW EXECUTE FUNCTION projects_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS projects_auditevent_append_only ON projects_auditevent;
DROP FUNCTION IF EXISTS projects_auditevent_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_audit_backfill_text"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
