"""factory_boy factories and a JWT factory for the suite."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import factory
import jwt
from django.conf import settings

from tasks_app.models import Task, UserProfile


class UserProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserProfile

    id = factory.LazyFunction(lambda: f"user-{uuid.uuid4().hex[:12]}")
    email = factory.LazyAttribute(lambda user: f"{user.id}@example.com")
    name = factory.Faker("name")
    timezone = "UTC"


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    user = factory.SubFactory(UserProfileFactory)
    title = factory.Sequence(lambda n: f"Task {n}")
    created_at = factory.LazyFunction(lambda: datetime.now(tz=UTC))
    updated_at = factory.LazyAttribute(lambda task: task.created_at)


def make_token(
    sub: str | None,
    *,
    key: Any = None,
    algorithm: str = "HS256",
    expires_in: timedelta = timedelta(minutes=15),
    headers: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A JWT as Better Auth would issue it; HS256 with the configured secret unless told otherwise."""
    payload: dict[str, Any] = {"iat": datetime.now(tz=UTC), "exp": datetime.now(tz=UTC) + expires_in}
    if sub is not None:
        payload["sub"] = sub
    payload.update(claims)
    return jwt.encode(
        payload, key if key is not None else settings.BETTER_AUTH_SECRET, algorithm=algorithm, headers=headers
    )
