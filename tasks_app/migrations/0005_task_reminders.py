"""Several reminders per task: the `reminders` list, filled from each task's one reminder of before."""

from django.db import migrations, models

# A task's reminder becomes the one item of its list, done at its instant when it was sent.
FILL_FROM_REMINDER_AT = """
UPDATE tasks
SET reminders = jsonb_build_array(
    jsonb_strip_nulls(jsonb_build_object(
        'at', to_char(reminder_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'done', CASE WHEN reminder_sent
            THEN to_char(reminder_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END
    ))
)
WHERE reminder_at IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("tasks_app", "0004_task_skipped_recurrence_anchor"),
    ]

    operations = [
        migrations.AddField(
            model_name="task",
            name="reminders",
            field=models.JSONField(blank=True, db_default=models.Value([], models.JSONField()), default=list),
        ),
        # Backwards, nothing to undo: reminder_at and reminder_sent were kept up to date all along.
        migrations.RunSQL(FILL_FROM_REMINDER_AT, reverse_sql=migrations.RunSQL.noop),
    ]
