"""The grammar's commands carried out on the user's own tasks, through the task services.

Every write goes through `tasks_app.services` with its fields read by `tasks_app.serializers.task_input`,
as the REST API's do: the same rules, the same events in the same transaction, so reminders, recurrence,
webhooks and live updates follow exactly as for the API. The words naming a task (a command's `reference`)
are looked up among the user's tasks only; when several match, the outcome is a question and the command
waits in the conversation (`pending`) for the answer.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rest_framework.exceptions import ValidationError

from assistant_app import replies, selectors
from assistant_app.clock import Clock
from assistant_app.grammar import (
    AddTask,
    Command,
    CompleteTask,
    DeleteTask,
    ListTasks,
    MoveTask,
    NotUnderstood,
    RenameTask,
)
from tasks_app import selectors as task_selectors
from tasks_app import services as task_services
from tasks_app.models import Task, UserProfile
from tasks_app.outputs import task_output
from tasks_app.reminders import iso_duration
from tasks_app.serializers import task_input

LISTED_AT_MOST = 20
JUST_BEFORE = timedelta(microseconds=1)  # due_after excludes its instant; a list "from" includes it
type Referring = CompleteTask | DeleteTask | RenameTask | MoveTask


@dataclass
class Outcome:
    """What a command did and what to say: `actions` as the API shows them (`{"action", "task"}`),
    `choices` the tasks a question offers, `pending` what the conversation waits on (or None)."""

    reply: str
    actions: list[dict[str, Any]] = field(default_factory=list)
    choices: list[Task] = field(default_factory=list)
    pending: dict[str, Any] | None = None


def action(name: str, task: Task) -> dict[str, Any]:
    return {"action": name, "task": task_output(task)}


def run(command: Command, *, user: UserProfile, at: datetime) -> Outcome:
    """Carry out one command for `user` at the aware instant `at`."""
    match command:
        case NotUnderstood():
            return Outcome(command.message)
        case AddTask():
            return _add(command, user, at)
        case ListTasks():
            return _list(command, user, at)
        case CompleteTask() | DeleteTask() | RenameTask() | MoveTask():
            return _on_named_task(command, user, at)


def answer(pending: Mapping[str, Any], said: str, *, user: UserProfile, at: datetime) -> Outcome | None:
    """The pending command run on the task the user picked ("12", "#12", or its exact title), or None when
    `said` picks none of the choices (the message is then a new command)."""
    choices = selectors.tasks_among(user_id=user.pk, task_ids=pending["choices"])
    picked = selectors.TASK_NUMBER.fullmatch(said.strip().rstrip("."))
    chosen = [
        task
        for task in choices
        if (picked is not None and task.pk == int(picked["id"]))
        or task.title.casefold() == said.strip().casefold()
    ]
    if len(chosen) != 1:
        return None
    return _carry_out(_command_from(pending["command"]), chosen[0], user, at)


def _add(command: AddTask, user: UserProfile, at: datetime) -> Outcome:
    fields: dict[str, Any] = {"title": command.title, "tags": list(command.tags)}
    if command.priority is not None:
        fields["priority"] = command.priority
    if command.due is not None:
        fields["due_date"] = command.due.isoformat()
    if command.recurrence is not None:
        fields["recurring_pattern"] = command.recurrence
    if command.reminders:
        fields["reminders"] = [
            {"before_due": iso_duration(spec.before_due)}
            if spec.before_due is not None
            else {"at": spec.at.isoformat() if spec.at else None}
            for spec in command.reminders
        ]
    try:
        data = task_input(fields, user_timezone=user.timezone, now=at)
    except ValidationError as error:
        return Outcome(_refusal("add that", error))
    task = task_services.task_create(user=user, at=at, **data)
    return Outcome(
        f"Added {replies.task_summary(task, zone=user.timezone, now=at)}.", [action("created", task)]
    )


def _list(command: ListTasks, user: UserProfile, at: datetime) -> Outcome:
    filters = task_selectors.TaskFilters(
        completed=False if command.completed is None else command.completed,  # open ones unless said
        priority=command.priority,
        tags=tuple(command.tags),
        due_before=command.due_before,
        due_after=None if command.due_from is None else command.due_from - JUST_BEFORE,
        overdue=True if command.overdue else None,
        sort="due_date",
    )
    tasks = task_selectors.task_list(user_id=user.pk, filters=filters, now=at)
    shown = list(tasks[: LISTED_AT_MOST + 1])
    if not shown:
        return Outcome("No tasks match that.")
    more = len(shown) > LISTED_AT_MOST
    shown = shown[:LISTED_AT_MOST]
    lines = [f"- {replies.task_summary(task, zone=user.timezone, now=at)}" for task in shown]
    heading = f"The first {LISTED_AT_MOST} tasks that match:" if more else _matching(len(shown))
    return Outcome("\n".join([heading, *lines]), [action("listed", task) for task in shown])


def _matching(n: int) -> str:
    return "One task matches:" if n == 1 else f"{n} tasks match:"


def _on_named_task(command: Referring, user: UserProfile, at: datetime) -> Outcome:
    open_only = isinstance(command, CompleteTask)
    found = selectors.tasks_named(user_id=user.pk, reference=command.reference, open_only=open_only)
    if not found:
        kind = "open task" if open_only else "task"
        return Outcome(f'I found no {kind} called "{command.reference}".')
    if len(found) == 1:
        return _carry_out(command, found[0], user, at)
    offered = found[: selectors.MAX_CHOICES]
    many = " (and more: say it more exactly)" if len(found) > selectors.MAX_CHOICES else ""
    question = (
        f'Which "{command.reference}" task: '
        f"{replies.choices(offered, zone=user.timezone, now=at)}{many}? Answer with its number."
    )
    pending = {"command": _command_data(command), "choices": [task.pk for task in offered]}
    return Outcome(question, choices=offered, pending=pending)


def _carry_out(command: Referring, task: Task, user: UserProfile, at: datetime) -> Outcome:
    zone, name = user.timezone, replies.task_name(task)
    match command:
        case CompleteTask():
            if task.completed:
                return Outcome(f"{name} is done already.")
            task = task_services.task_complete(task=task, completed=True, at=at)
            follows = " Its next occurrence is on its way." if task.recurring_pattern else ""
            return Outcome(f"Completed {name}.{follows}", [action("completed", task)])
        case DeleteTask():
            gone = action("deleted", task)
            task_services.task_delete(task=task, at=at)
            return Outcome(f"Deleted {name}.", [gone])
        case RenameTask():
            return _update(task, {"title": command.new_title}, user, at, f"Renamed {name} to")
        case MoveTask():
            due = command.due
            if not command.due_time_given and task.due_date is not None:
                clock = Clock(at, ZoneInfo(zone))
                due = clock.at(due.astimezone(clock.zone).date(), task.due_date.astimezone(clock.zone).time())
            return _update(task, {"due_date": due.isoformat()}, user, at, f"Moved {name}:")


def _update(task: Task, fields: dict[str, Any], user: UserProfile, at: datetime, said: str) -> Outcome:
    try:
        changes = task_input(fields, user_timezone=user.timezone, now=at, instance=task, partial=True)
        task = task_services.task_update(task=task, changes=changes, at=at)
    except ValidationError as error:
        return Outcome(_refusal("change that", error))
    except task_services.DueDateTakenError as error:
        return Outcome(f"I could not move it: {error}")
    return Outcome(
        f"{said} {replies.task_summary(task, zone=user.timezone, now=at)}.", [action("updated", task)]
    )


def _refusal(what: str, error: ValidationError) -> str:
    return f"I could not {what}: " + "; ".join(replies.field_errors(error.detail))


def _command_data(command: Referring) -> dict[str, Any]:
    """A waiting command as JSON (the conversation's `pending`)."""
    data = asdict(command)
    if isinstance(command, MoveTask):
        data["due"] = command.due.isoformat()
    return {"verb": str(command.verb), **data}


def _command_from(data: Mapping[str, Any]) -> Referring:
    fields = {name: value for name, value in data.items() if name != "verb"}
    match data["verb"]:
        case "complete":
            return CompleteTask(**fields)
        case "delete":
            return DeleteTask(**fields)
        case "rename":
            return RenameTask(**fields)
        case _:
            return MoveTask(**{**fields, "due": datetime.fromisoformat(fields["due"])})
