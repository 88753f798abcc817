"""The API keeps its OpenAPI contract: schemathesis sends every operation generated requests, valid and
invalid, and every check must pass (no server error, every response as documented)."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.support.factories import make_token

SUBJECT = "contract-user"
# An operator too, so that the operators' API is exercised beyond its 403.
TOKEN = make_token(SUBJECT, email="contract@example.com", name="Contract", role="admin")
# Each operation gets at most this many generated cases (plus the examples and coverage phases' own).
MAX_EXAMPLES = 25

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
schema.config.seed = 20260301
schema.config.update(parameters={"user_id": SUBJECT})
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)


@schema.auth()
class ContractUserToken:
    """The path user's token; schemathesis removes or spoils it to check that auth is enforced."""

    def get(self, case: Any, context: Any) -> str:
        return TOKEN

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# Rules that OpenAPI cannot state, so a schema-valid request may still break them (a 400 naming the field):
# a reminder must lie ahead of now; an offset needs a due date and excludes reminder_at; a series cannot
# end before its due date and needs a pattern; a pattern must be an RRULE the server can expand; an
# Idempotency-Key is bound to the first request it was used with; a webhook URL's host must resolve to public
# addresses (docs/webhooks.md); an imported document's tasks must refer to one another consistently (unique
# ids, a series naming an earlier task: docs/export.md), and its integers must fit in 64 bits (the streaming
# parser's limit, which RFC 8259 section 6 allows), even in keys the import ignores; a reminder names `at` or
# `before_due`, needs a due date for `before_due`, and falls at an instant of its own; a cursor is one that a
# page's link carried (signed: any other text is a 400).
RULES_BEYOND_THE_SCHEMA = frozenset(
    {
        "document",
        "reminders",
        "reminder_at",
        "reminder_offset_hours",
        "recurring_end_date",
        "recurring_pattern",
        "Idempotency-Key",
        "url",
        "tasks",
        "cursor",
    }
)


@schemathesis.check
def schema_valid_data_is_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance, but a 400 is allowed for a rule beyond the schema alone."""
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 400:
        return positive_data_acceptance(ctx, response, case)
    details = response.json()["error"]["details"]
    if details and set(details) <= RULES_BEYOND_THE_SCHEMA:
        return None
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def wsgi_keeps_the_test_transaction() -> Iterator[None]:
    """As Django's test client does: a request must not close the connection that holds the test's
    transaction (which rolls back every generated request's rows at the end)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
def test_every_operation_keeps_the_contract(
    case: Any, db: Any, wsgi_keeps_the_test_transaction: None
) -> None:
    case.call_and_validate(
        # Replaced by schema_valid_data_is_accepted (see RULES_BEYOND_THE_SCHEMA for the reason).
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_data_is_accepted],
    )
