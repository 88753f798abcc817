"""Reads of the operators' views: dead letters, filtered and searched."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from workers.dead_letters.models import DeadLetter

BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class DeadLetterFilters:
    status: str | None = None
    event_type: str | None = None
    original_topic: str | None = None
    failed_after: datetime | None = None
    failed_before: datetime | None = None
    search: str = ""


def dead_letter_search(term: str) -> Q:
    """Event id, user id or error text containing `term`; a number also matches the task id."""
    condition = Q(event_id__icontains=term) | Q(user_id__icontains=term) | Q(error_message__icontains=term)
    if term.isascii() and term.isdigit() and int(term) <= BIGINT_MAX:
        condition |= Q(task_id=int(term))
    return condition


def dead_letter_list(*, filters: DeadLetterFilters) -> QuerySet[DeadLetter]:
    """Dead letters matching the filters, the latest failure first."""
    records = DeadLetter.objects.all()
    if filters.status:
        records = records.filter(status=filters.status)
    if filters.event_type:
        records = records.filter(event_type=filters.event_type)
    if filters.original_topic:
        records = records.filter(original_topic=filters.original_topic)
    if filters.failed_after is not None:
        records = records.filter(last_failed_at__gte=filters.failed_after)
    if filters.failed_before is not None:
        records = records.filter(last_failed_at__lt=filters.failed_before)
    if filters.search:
        records = records.filter(dead_letter_search(filters.search))
    return records.order_by("-last_failed_at", "-id")


def dead_letters_waiting() -> dict[tuple[str, str], int]:
    """How many dead letters wait for an operator, per source topic and consumer; 0 for a pair whose dead
    letters have all been dealt with, so that a count reported before goes back to 0."""
    rows = (
        DeadLetter.objects.values_list("original_topic", "consumer")
        .annotate(waiting=Count("id", filter=Q(status=DeadLetter.Status.NEW)))
        .order_by("original_topic", "consumer")
    )
    return {(topic, consumer): waiting for topic, consumer, waiting in rows}
