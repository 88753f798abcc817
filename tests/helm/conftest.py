"""The chart's tests render and lint offline: no database, broker or cluster."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _empty_test_broker() -> None:
    """Overrides the suite's fixture of this name (tests/conftest.py): these tests never touch Redis, so they
    run on a machine without the local stack."""
