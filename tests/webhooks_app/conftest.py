"""Fixtures of the webhook tests: a local receiver that verifies signatures, and the settings that let the
tests register it (an http, loopback address)."""

from collections.abc import Iterator

import pytest

from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def private_targets(settings):
    """Local receivers allowed, as in local development (WEBHOOKS_ALLOW_PRIVATE_TARGETS)."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    return settings
