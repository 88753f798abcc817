"""Published outbox rows are pruned after the retention; pending ones never are."""

from datetime import timedelta

import pytest
from django.utils import timezone

from workers.events.models import OutboxEvent
from workers.tasks import prune_outbox

pytestmark = pytest.mark.django_db


def row(event_id: str, published_hours_ago: float | None) -> OutboxEvent:
    published_at = (
        None if published_hours_ago is None else timezone.now() - timedelta(hours=published_hours_ago)
    )
    return OutboxEvent.objects.create(
        topic="task-updates",
        key="u",
        event_id=event_id,
        event_type="t",
        payload={},
        published_at=published_at,
    )


def test_prune_deletes_only_rows_published_before_the_retention(settings):
    settings.OUTBOX_RETENTION_HOURS = 72
    row("old", 73)
    row("recent", 71)
    row("pending", None)

    assert prune_outbox() == 1

    assert sorted(OutboxEvent.objects.values_list("event_id", flat=True)) == ["pending", "recent"]
