"""Celery's INFO lines about the sweeps (every second or two) are dropped; those of other tasks, and any
warning, stay. The records are built with Celery's own message formats and arguments."""

import logging

from celery.app.trace import LOG_RECEIVED, LOG_SUCCESS

from todo_project.celery import frequent_periodic_tasks

SWEEP = "notifications.enqueue_due_reminders"


def kept(logger_name: str, level: int, message: str, args: object) -> bool:
    """Whether the filters of the logger let the record through, as `Logger.handle` asks them."""
    logger = logging.getLogger(logger_name)
    record = logger.makeRecord(logger_name, level, __file__, 1, message, (args,), None)
    if isinstance(args, tuple):
        record.args = args  # beat logs positional arguments
    return bool(logger.filter(record))


def test_the_sweeps_are_the_periodic_tasks_that_run_more_often_than_once_a_minute():
    assert frequent_periodic_tasks() == {SWEEP, "recurrence.create_owed_occurrences"}


def test_received_succeeded_and_sent_lines_of_a_sweep_are_dropped():
    trace = {"id": "x", "name": SWEEP, "return_value": 0, "runtime": 0.01, "args": "()", "kwargs": "{}"}
    assert not kept("celery.worker.strategy", logging.INFO, LOG_RECEIVED, trace)
    assert not kept("celery.app.trace", logging.INFO, LOG_SUCCESS, trace)
    assert not kept("celery.beat", logging.INFO, "Scheduler: Sending due task %s (%s)", ("scan", SWEEP))


def test_other_tasks_lines_and_a_sweeps_warnings_are_kept():
    other = {"id": "x", "name": "recurrence.handle_task_completed", "return_value": 0, "runtime": 0.01}
    assert kept("celery.app.trace", logging.INFO, LOG_SUCCESS, other)
    assert kept(
        "celery.beat", logging.INFO, "Scheduler: Sending due task %s (%s)", ("prune", "workers.prune_outbox")
    )
    failed = {"id": "x", "name": SWEEP, "exc": "boom", "description": "raised unexpected"}
    assert kept("celery.app.trace", logging.ERROR, "Task %(name)s[%(id)s] %(description)s: %(exc)s", failed)
