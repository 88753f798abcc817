import pytest


@pytest.fixture(scope="session", autouse=True)
def _empty_test_broker() -> None:
    """The images' tests read files only: they need no Redis (the suite's fixture of this name empties it)."""
