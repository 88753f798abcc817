"""A reminders worker killed (kill -9) while it holds ETA tasks: every reminder is still sent, once.

Its own module: no other reminders worker may run meanwhile, or it would take some of the tasks.
"""

import time
from datetime import timedelta

import pytest

from notifications_app.models import Reminder
from tests.support.pipeline import running
from tests.support.processes import celery_worker, wait_for_log
from tests.support.reminders import reminder_env
from tests.support.times import iso, next_second_after
from tests.support.waiting import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("kafka_topics"),
    pytest.mark.processes,
]


def test_kill_9_of_the_worker_holding_eta_tasks_loses_nothing_and_sends_each_once(smtp, beat, api, user):
    env = reminder_env(smtp, REMINDER_HORIZON_SECONDS="60")
    doomed = celery_worker(
        "worker-reminders-doomed", queues="reminders,reminder-deliveries,sweeps", **env
    ).start()
    replacement = None
    try:
        wait_for_log(doomed, "ready.")
        with running("reminders"):
            # Five different seconds: five ETA tasks (one task serves all the reminders of a second).
            first = next_second_after(4)
            ids = [
                api.post(
                    "tasks", {"title": f"k{n}", "reminder_at": iso(first + timedelta(seconds=n))}
                ).json()["id"]
                for n in range(5)
            ]
            wait_for(
                lambda: doomed.log().count("Task notifications.deliver_due_reminders") >= 5,
                timeout=15,
                message="the doomed worker holds the five ETA tasks",
            )
            doomed.kill()
            replacement = celery_worker(
                "worker-reminders-replacement", queues="reminders,reminder-deliveries,sweeps", **env
            ).start()
            wait_for(lambda: len(smtp.to(user.email)) == 5, timeout=40, message="all five after the restart")
            time.sleep(3)
    finally:
        doomed.kill()
        if replacement is not None:
            replacement.stop()
    received = smtp.to(user.email)
    assert sorted(r.message["Subject"] for r in received) == [f"Reminder: k{n}" for n in range(5)]
    assert len({r.message_id for r in received}) == 5
    instants = {f"Reminder: k{n}": (first + timedelta(seconds=n)).timestamp() for n in range(5)}
    assert all(r.at >= instants[r.message["Subject"]] for r in received)
    assert set(Reminder.objects.filter(task_id__in=ids).values_list("status", flat=True)) == {"sent"}
