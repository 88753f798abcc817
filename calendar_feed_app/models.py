"""A user's calendar feed: the digest of its secret token (the token itself is shown once, never stored)."""

from django.db import models

from tasks_app.models import UserProfile


class CalendarFeed(models.Model):
    user = models.OneToOneField(UserProfile, on_delete=models.CASCADE, primary_key=True, related_name="+")
    # SHA-256 of the token in the feed's URL: a leaked database row opens no feed.
    token_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "calendar_feeds"

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"
