"""Reads of calendar feeds: whose feed a token opens, and the tasks it shows."""

from django.db.models import QuerySet

from calendar_feed_app.models import CalendarFeed
from calendar_feed_app.services import token_digest
from tasks_app.models import Task, UserProfile


def feed_get(*, user: UserProfile) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def feed_owner(*, token: str) -> UserProfile | None:
    """The user whose feed `token` opens, or None (unknown, revoked or replaced)."""
    feed = CalendarFeed.objects.select_related("user").filter(token_digest=token_digest(token)).first()
    return feed.user if feed is not None else None


def feed_tasks(*, user: UserProfile) -> QuerySet[Task]:
    """The user's open tasks that have a due date, with their series' first task (for its start)."""
    return (
        Task.objects.filter(user=user, completed=False, due_date__isnull=False)
        .select_related("parent_task")
        .order_by("due_date", "id")
    )
