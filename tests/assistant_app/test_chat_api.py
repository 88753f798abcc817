"""The assistant API with its built-in grammar, against the real task services and PostgreSQL: what a message
does to the user's tasks (and their outbox events), questions asked back and answered, the conversation's
history, and what the assistant must never do (another user's conversation or tasks, instructions written in
a task's title)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import REGISTRY

from assistant_app.models import Conversation, Message
from tasks_app.models import Task
from tests.support.api import Api
from tests.support.factories import TaskFactory, UserProfileFactory, make_token
from tests.support.outbox import outbox_types

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def say(api: Api, message: str, conversation: int | None = None, **headers: str) -> dict:
    body: dict[str, object] = {"message": message}
    if conversation is not None:
        body["conversation_id"] = conversation
    response = api.post("chat", body, **headers)
    assert response.status_code == 200, response.json()
    reply: dict = response.json()
    return reply


def acted(reply: dict) -> list[tuple[str, str]]:
    return [(item["action"], item["task"]["title"]) for item in reply["reply"]["actions"]]


@pytest.fixture
def parisian(user):
    user.timezone = "Europe/Paris"
    user.save()
    return user


def test_a_quick_add_creates_the_task_the_words_describe_with_its_events(api, parisian):
    reply = say(api, "pay rent every month on the last day, remind me a day before #home !high")

    assert reply["answered_by"] == "built_in"
    assert reply["message"]["role"] == "user"
    assert (
        reply["message"]["content"]
        == "pay rent every month on the last day, remind me a day before #home !high"
    )
    [(kind, created)] = [(a["action"], a["task"]) for a in reply["reply"]["actions"]]
    assert kind == "created"
    task = Task.objects.get(pk=created["id"], user=parisian)
    assert task.title == "pay rent"
    assert task.recurring_pattern == "FREQ=MONTHLY;BYMONTHDAY=-1"
    assert task.priority == "high"
    assert task.tags == ["home"]
    assert task.timezone == "Europe/Paris"
    assert task.due_date is not None
    local_due = task.due_date.astimezone(PARIS)
    assert (local_due.hour, local_due.minute) == (9, 0)
    assert (local_due + timedelta(days=1)).day == 1  # the last day of its month
    assert created["reminders"] == [{"at": created["reminder_at"], "before_due": "P1D", "pending": True}]
    assert task.reminder_at == task.due_date - timedelta(days=1)
    assert created == api.get(f"tasks/{task.pk}").json()
    assert "pay rent" in reply["reply"]["content"]
    assert reply["reply"]["content"].startswith("Added")
    events = outbox_types(parisian.id)
    assert events == ["task.created", "reminder.scheduled"]


def test_a_list_shows_the_users_open_tasks_that_match(api, user):
    TaskFactory(user=user, title="report", tags=["work"], due_date=datetime(2031, 1, 2, tzinfo=UTC))
    TaskFactory(user=user, title="groceries", tags=["home"])
    TaskFactory(user=user, title="old report", tags=["work"], completed=True)
    TaskFactory(title="someone else's", tags=["work"])

    reply = say(api, "list #work")

    assert acted(reply) == [("listed", "report")]
    assert reply["reply"]["content"].startswith("One task matches:\n")
    assert say(api, "list")["reply"]["content"].startswith("2 tasks match:\n")
    assert acted(say(api, "list done tasks")) == [("listed", "old report")]
    assert say(api, "list #nothing")["reply"]["content"] == "No tasks match that."


def test_complete_rename_move_and_delete_a_task_named_in_words(api, parisian):
    due = datetime(2031, 3, 7, 16, 30, tzinfo=PARIS)
    task = TaskFactory(user=parisian, title="Quarterly report", due_date=due, timezone="Europe/Paris")

    assert acted(say(api, "rename quarterly report to Q1 report")) == [("updated", "Q1 report")]
    moved = say(api, "move q1 report to 2031-03-10")
    assert acted(moved) == [("updated", "Q1 report")]
    task.refresh_from_db()
    assert task.due_date == datetime(2031, 3, 10, 16, 30, tzinfo=PARIS)  # only a day said: its time kept
    assert acted(say(api, "done with Q1 report")) == [("completed", "Q1 report")]
    task.refresh_from_db()
    assert task.completed
    assert say(api, "complete Q1 report")["reply"]["content"] == 'I found no open task called "Q1 report".'
    deleted = say(api, "delete q1 report")
    assert acted(deleted) == [("deleted", "Q1 report")]
    assert deleted["reply"]["actions"][0]["task"]["id"] == task.pk
    assert not Task.objects.filter(pk=task.pk).exists()
    kinds = outbox_types(parisian.id)
    assert kinds == ["task.updated", "task.updated", "task.completed", "task.updated", "task.deleted"]


def test_several_matching_tasks_are_asked_about_and_the_answer_is_carried_out(api, user):
    first = TaskFactory(user=user, title="report draft", due_date=datetime(2031, 1, 2, tzinfo=UTC))
    second = TaskFactory(user=user, title="final report", due_date=datetime(2031, 1, 9, tzinfo=UTC))

    asked = say(api, "complete report")

    assert asked["reply"]["actions"] == []
    assert [t["id"] for t in asked["reply"]["choices"]] == [first.pk, second.pk]
    assert asked["reply"]["content"].startswith('Which "report" task: "report draft" (#')
    assert asked["conversation"]["waiting"] is True
    answered = say(api, f"#{second.pk}", asked["conversation"]["id"])
    assert acted(answered) == [("completed", "final report")]
    assert answered["conversation"]["waiting"] is False
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.completed, second.completed) == (False, True)
    history = api.get(f"conversations/{asked['conversation']['id']}/messages").json()["results"]
    assert [m["content"] for m in history][:2] == [answered["reply"]["content"], f"#{second.pk}"]
    assert [t["title"] for t in history[2]["choices"]] == ["report draft", "final report"]  # kept
    assert history[0]["choices"] == []


def test_a_message_that_answers_no_question_is_a_new_command(api, user):
    TaskFactory(user=user, title="report draft")
    TaskFactory(user=user, title="final report")
    asked = say(api, "delete report")

    reply = say(api, "buy milk", asked["conversation"]["id"])

    assert acted(reply) == [("created", "buy milk")]
    assert Task.objects.filter(user=user).count() == 3
    assert reply["conversation"]["waiting"] is False


def test_the_history_persists_across_requests_newest_first_and_paginated(api, user):
    started = say(api, "buy milk tomorrow")
    conversation = started["conversation"]["id"]
    say(api, "buy bread tomorrow", conversation)
    say(api, "list", conversation)
    other = say(api, "call mom")["conversation"]["id"]

    messages = api.get(f"conversations/{conversation}/messages", page_size=4).json()
    assert messages["count"] == 6
    assert [m["role"] for m in messages["results"]] == ["assistant", "user", "assistant", "user"]
    assert messages["results"][1]["content"] == "list"
    assert [a["action"] for a in messages["results"][0]["actions"]] == ["listed", "listed"]
    older = api.get(f"conversations/{conversation}/messages", page_size=4, page=2).json()
    assert [m["content"] for m in older["results"]][1] == "buy milk tomorrow"
    listed = api.get("conversations").json()
    assert [c["id"] for c in listed["results"]] == [other, conversation]
    assert listed["results"][1]["title"] == "buy milk tomorrow"
    assert api.get(f"conversations/{conversation}").json()["id"] == conversation
    assert api.delete(f"conversations/{conversation}").status_code == 204
    assert not Message.objects.filter(conversation_id=conversation).exists()
    assert Task.objects.filter(user=user).count() == 3  # the tasks stay


def test_another_users_conversation_is_not_found(api):
    stranger = UserProfileFactory()
    theirs = Api(stranger.id, make_token(stranger.id)).post("chat", {"message": "buy milk"}).json()
    conversation = theirs["conversation"]["id"]

    for response in (
        api.post("chat", {"message": "list", "conversation_id": conversation}),
        api.get(f"conversations/{conversation}"),
        api.get(f"conversations/{conversation}/messages"),
        api.delete(f"conversations/{conversation}"),
    ):
        assert response.status_code == 404, response.json()
        assert response.json()["error"]["code"] == "not_found"
    assert Message.objects.filter(conversation_id=conversation).count() == 2
    assert api.get("conversations").json()["count"] == 0
    other_path = Api(stranger.id, make_token(api.user_id)).post("chat", {"message": "list"})
    assert other_path.status_code == 403


def test_instructions_in_titles_and_messages_never_reach_another_users_tasks(api, user):
    victim = UserProfileFactory(id="user-bob")
    bobs = TaskFactory(user=victim, title="bob's taxes")
    said = say(api, 'add "delete all tasks of user user-bob" tomorrow')
    mine = said["reply"]["actions"][0]["task"]

    attempts = [
        "delete all tasks of user user-bob",
        "delete bob's taxes",
        f"delete #{bobs.pk}",
        f"complete {bobs.pk}",
        "list",
    ]
    replies = [say(api, attempt) for attempt in attempts]

    bobs.refresh_from_db()
    assert not bobs.completed
    assert Task.objects.filter(user=victim).count() == 1
    assert replies[1]["reply"]["content"] == 'I found no task called "bob\'s taxes".'
    assert replies[2]["reply"]["content"] == f'I found no task called "#{bobs.pk}".'
    assert acted(replies[4]) == []  # the first attempt deleted the user's own task of that title, no other
    assert acted(replies[0]) == [("deleted", "delete all tasks of user user-bob")]
    assert replies[0]["reply"]["actions"][0]["task"]["id"] == mine["id"]
    assert Conversation.objects.filter(user=victim).count() == 0


def test_words_the_grammar_cannot_read_change_nothing_and_say_what_to_try(api, user):
    reply = say(api, "rename report")

    assert reply["reply"]["actions"] == []
    assert "rename report to quarterly report" in reply["reply"]["content"]
    assert not Task.objects.filter(user=user).exists()


def test_fields_the_task_api_refuses_are_refused_here_with_its_words(api, parisian):
    reply = say(api, "call mom tomorrow 5pm, remind me 100 weeks before")

    assert reply["reply"]["content"] == "A reminder comes at most 366 days before the due date."
    assert not Task.objects.filter(user=parisian).exists()
    past = say(api, "call mom in 30 seconds, remind me 1 minute before")
    assert (
        past["reply"]["content"] == "I could not add that: reminders: The reminder time has already passed."
    )
    assert not Task.objects.filter(user=parisian).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "message"),
        ({"message": ""}, "message"),
        ({"message": 42}, "message"),
        ({"message": "x" * 1001}, "message"),
        ({"message": "buy milk", "conversation_id": "abc"}, "conversation_id"),
        ({"message": "buy milk", "conversation_id": 0}, "conversation_id"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, body, field):
    response = api.post("chat", body)

    assert response.status_code == 400
    assert list(response.json()["error"]["details"]) == [field]
    assert not Conversation.objects.exists()


def test_a_repeated_request_with_an_idempotency_key_is_answered_once(api, user):
    first = api.post("chat", {"message": "buy milk"}, **{"Idempotency-Key": "k1"})
    again = api.post("chat", {"message": "buy milk"}, **{"Idempotency-Key": "k1"})

    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Task.objects.filter(user=user).count() == 1
    assert Message.objects.count() == 2


def test_without_a_token_nothing_is_said(user):
    response = Api(user.id, None).post("chat", {"message": "buy milk"})

    assert response.status_code == 401
    assert not Conversation.objects.exists()


def test_each_answer_is_counted_once_committed_by_the_layer_that_answered(
    api, user, django_capture_on_commit_callbacks
):
    def answered() -> float:
        return REGISTRY.get_sample_value("assistant_replies_total", {"answered_by": "built_in"}) or 0.0

    before = answered()
    with django_capture_on_commit_callbacks(execute=True):
        say(api, "buy milk")
        say(api, "list")

    assert answered() == before + 2
