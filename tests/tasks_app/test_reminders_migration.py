"""Migration 0005: each task's one reminder of before becomes the one item of its `reminders`, sent or not;
and the migration goes back."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tasks_app.reminders import load

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("tasks_app", "0004_task_skipped_recurrence_anchor")]
AFTER = [("tasks_app", "0005_task_reminders")]


def _migrate(target: list[tuple[str, str]] | None) -> None:
    """To `target`; None: every app's latest (going back to 0004 also unapplied the apps that need 0005)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes() if target is None else target)


def test_a_tasks_reminder_becomes_its_list_and_the_migration_goes_back():
    pending_at = datetime(2030, 1, 2, 9, 30, 15, 250_000, tzinfo=UTC)
    sent_at = datetime(2029, 5, 1, 8, 0, tzinfo=UTC)
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO users (id, email, name, timezone) VALUES ('m', '', '', 'UTC')")
            for title, reminder_at, sent in (("pending", pending_at, False), ("sent", sent_at, True)):
                cursor.execute(
                    "INSERT INTO tasks (user_id, title, description, completed, priority, tags, timezone, "
                    "created_at, updated_at, reminder_at, reminder_sent) VALUES ('m', %s, '', false, 'low', "
                    "'{}', 'UTC', now(), now(), %s, %s)",
                    [title, reminder_at, sent],
                )
            cursor.execute(
                "INSERT INTO tasks (user_id, title, description, completed, priority, tags, timezone, "
                "created_at, updated_at, reminder_sent) VALUES ('m', 'none', '', false, 'low', '{}', 'UTC', "
                "now(), now(), false)"
            )

        _migrate(AFTER)

        with connection.cursor() as cursor:
            cursor.execute("SELECT title, reminders FROM tasks WHERE user_id = 'm' ORDER BY id")
            stored = {title: json.loads(reminders) for title, reminders in cursor.fetchall()}
        assert [(r.spec.at, r.pending) for r in load(stored["pending"], None)] == [(pending_at, True)]
        assert [(r.spec.at, r.pending) for r in load(stored["sent"], None)] == [(sent_at, False)]
        assert stored["none"] == []

        _migrate(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT title, reminder_at FROM tasks WHERE user_id = 'm' ORDER BY id")
            assert cursor.fetchall() == [("pending", pending_at), ("sent", sent_at), ("none", None)]
    finally:
        _migrate(None)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM tasks WHERE user_id = 'm'")
            cursor.execute("DELETE FROM users WHERE id = 'm'")
