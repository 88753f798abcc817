"""Remembered Idempotency-Key responses are pruned after their retention."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tasks_app.models import IdempotencyKey
from tasks_app.tasks import prune_idempotency_keys

pytestmark = pytest.mark.django_db


def test_keys_older_than_the_retention_are_deleted(user, settings):
    settings.IDEMPOTENCY_KEY_RETENTION_HOURS = 24
    for key in ("old", "new"):
        IdempotencyKey.objects.create(
            user=user, key=key, request_fingerprint="f", response_status=201, response_body={}
        )
    IdempotencyKey.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    assert prune_idempotency_keys() == 1

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
