"""Two steps of a test run, driven by tests/todo_project/test_suite_database.py in child pytest processes:
one that dies inside a transactional test (its rows committed, its flush never run), and the next run's
first look at the tables. Its name keeps it out of the suite's own collection."""

import os

import pytest

from tasks_app.models import Task, UserProfile
from tests.support.factories import TaskFactory

KILLED = 3


@pytest.mark.django_db(transaction=True)
def test_leave_rows_and_die() -> None:
    TaskFactory()
    os._exit(KILLED)


@pytest.mark.django_db
def test_the_tables_start_empty() -> None:
    assert (UserProfile.objects.count(), Task.objects.count()) == (0, 0)
