"""Every insert into the outbox wakes the relay: a statement-level trigger sends NOTIFY on commit."""

from django.db import migrations

CHANNEL = "outbox_events"

CREATE = f"""
CREATE FUNCTION outbox_events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Delivered at commit; identical notifications of one transaction are folded into one.
    PERFORM pg_notify('{CHANNEL}', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_events_notify AFTER INSERT ON outbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_events_notify();
"""

DROP = """
DROP TRIGGER IF EXISTS outbox_events_notify ON outbox_events;
DROP FUNCTION IF EXISTS outbox_events_notify();
"""


class Migration(migrations.Migration):
    dependencies = [("workers", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, reverse_sql=DROP)]
