"""Input and output shapes of the task API; validation of what callers send lives here, rules in services."""

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.validators import RegexValidator
from django.utils import dateparse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tasks_app.models import TAG_MAX_LENGTH, Priority, RecurrenceAnchor, Task
from tasks_app.outputs import TASK_OUTPUT_FIELDS
from tasks_app.recurrence_rules import InvalidPatternError, check_pattern, counts_occurrences
from tasks_app.reminders import (
    MAX_BEFORE_DUE,
    MAX_REMINDERS,
    ReminderSpec,
    iso_duration,
    load,
    reminders_output,
)
from tasks_app.selectors import SORT_FIELDS, TaskFilters
from tasks_app.timezones import known_timezones
from workers.http.fields import NO_NUL, AwareDateTimeField, TextField
from workers.http.serializers import (
    InputSerializer,
    PageInputSerializer,
    cursor_page_serializer,
    page_serializer,
)

MAX_TAGS = 20
MAX_DESCRIPTION_LENGTH = 10_000
MAX_REMINDER_OFFSET_HOURS = 24 * 366

# C0 and C1 control characters (line breaks, tabs, NUL, DEL, ...) and the Unicode line and paragraph
# separators. `\A...\Z` becomes `^...$` in the OpenAPI pattern.
_CONTROL = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
SINGLE_LINE = rf"\A[^{_CONTROL}]*\Z"
# ... with one character that is not whitespace as str.strip() sees it: the schema's "not blank".
_SPACE = r"\x20\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
SINGLE_LINE_NOT_BLANK = rf"\A[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*\Z"
SINGLE_LINE_MESSAGE = "Must be one line, without line breaks or other control characters."
TIMEZONE_INVALID = "'{input}' is not an IANA time zone name, e.g. Europe/Paris."


class SingleLineCharField(TextField):
    """Text on one line: a line break or any other control character is refused, never trimmed away.

    Titles end up in email subjects and one-line lists; a title that is not one line is a caller's error.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Documents the rule in the schema (as `pattern`) and checks what trimming left.
        pattern = SINGLE_LINE if self.allow_blank else SINGLE_LINE_NOT_BLANK
        self.validators.append(RegexValidator(pattern, message=SINGLE_LINE_MESSAGE))

    def to_internal_value(self, data: Any) -> str:
        # Checked before CharField trims: "Title\n" is refused, not quietly shortened.
        if isinstance(data, str) and not re.fullmatch(SINGLE_LINE, data):
            raise serializers.ValidationError(SINGLE_LINE_MESSAGE, code="not_single_line")
        return super().to_internal_value(data)


class TagsField(serializers.ListField):
    """Up to MAX_TAGS one-line tags; repeats dropped once the list is valid, the caller's order kept."""

    def __init__(self, **kwargs: Any) -> None:
        child = SingleLineCharField(max_length=TAG_MAX_LENGTH, trim_whitespace=True)
        super().__init__(child=child, max_length=MAX_TAGS, **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        tags = super().run_validation(data)
        return list(dict.fromkeys(tags))


class RecurringPatternField(TextField):
    """A shorthand or an RRULE, in its normal form (`check_pattern`); null, or blank, for none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_null=True, allow_blank=True, max_length=255, **kwargs)

    def run_validation(self, data: Any = serializers.empty) -> str | None:
        pattern = super().run_validation(data)
        if pattern is None or not pattern.strip():
            return None
        try:
            return check_pattern(pattern)
        except InvalidPatternError as error:
            raise serializers.ValidationError(str(error)) from error


# An ISO 8601 duration in weeks, days, hours, minutes and seconds (years and months have no fixed length).
_ISO_DURATION = re.compile(
    r"\AP(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,8})H)?(?:(\d{1,8})M)?(?:(\d{1,10})S)?)?\Z"
)
DURATION_INVALID = "Not an ISO 8601 duration in weeks, days, hours, minutes or seconds, e.g. PT15M or P1D."


@extend_schema_field({"type": "string", "format": "duration", "maxLength": 40, "example": "PT15M"})
class BeforeDueField(serializers.Field):  # type: ignore[type-arg]
    """How long before the due date, as an ISO 8601 duration; `PT0S` is at the due time."""

    default_error_messages = {"invalid": DURATION_INVALID}

    def to_internal_value(self, data: Any) -> timedelta:
        if not isinstance(data, str) or len(data) > 40:
            self.fail("invalid")
        match = _ISO_DURATION.fullmatch(data)
        if match is None or data.endswith(("P", "T")):
            self.fail("invalid")
        weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
        value = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)
        if value > MAX_BEFORE_DUE:
            raise serializers.ValidationError(f"At most {MAX_BEFORE_DUE.days} days before the due date.")
        return value

    def to_representation(self, value: timedelta) -> str:
        return iso_duration(value)


def anchor_error(*, pattern: str | None, anchor: str) -> str | None:
    """Why a series cannot have this anchor: counted from completions, a COUNT would start again with each."""
    if anchor == RecurrenceAnchor.COMPLETION and pattern and counts_occurrences(pattern):
        return (
            "A series repeated from completion cannot count its occurrences (COUNT): end it with UNTIL or "
            "recurring_end_date."
        )
    return None


class EndDateField(AwareDateTimeField):
    """An instant, or a calendar date meaning the end of that day in the task's time zone."""

    def to_internal_value(self, value: Any) -> datetime | date:  # type: ignore[override]
        if isinstance(value, str) and len(value.strip()) == 10:
            parsed = dateparse.parse_date(value.strip())
            if parsed is None:
                raise serializers.ValidationError("Not an ISO 8601 date (YYYY-MM-DD).")
            return parsed
        return super().to_internal_value(value)


def timezone_field(**kwargs: Any) -> serializers.ChoiceField:
    """An IANA time zone name this server knows (an enum in the schema)."""
    return serializers.ChoiceField(
        choices=known_timezones(), error_messages={"invalid_choice": TIMEZONE_INVALID}, **kwargs
    )


def end_of_day(day: date, zone: str) -> datetime:
    try:
        return datetime.combine(day, time.max, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    except OverflowError as error:  # 9999-12-31 west of UTC
        raise serializers.ValidationError({"recurring_end_date": "Out of range."}) from error


class ReminderInputSerializer(InputSerializer):
    """One reminder: at an instant, or a while before the task's due date (moving with it)."""

    at = AwareDateTimeField(
        required=False, allow_null=True, help_text="When; ignored when `before_due` is given."
    )
    before_due = BeforeDueField(
        required=False,
        allow_null=True,
        help_text="How long before the due date, as an ISO 8601 duration: `PT15M`, `PT1H`, `P1D`; `PT0S` "
        "is at the due time. It moves with the due date, and a series' next occurrence gets it too.",
    )

    def validate(self, attrs: dict[str, Any]) -> ReminderSpec:
        if attrs.get("before_due") is not None:
            return ReminderSpec(before_due=attrs["before_due"])
        if attrs.get("at") is not None:
            return ReminderSpec(at=attrs["at"])
        raise serializers.ValidationError({"at": "Give at or before_due."})


class ReminderOutputSerializer(serializers.Serializer[Any]):
    """One reminder of a task, in the order they fall."""

    at = AwareDateTimeField(
        allow_null=True, help_text="When it falls; null for one before a due date the task no longer has."
    )
    before_due = BeforeDueField(allow_null=True, help_text="Its offset before the due date, or null.")
    pending = serializers.BooleanField(help_text="Still to be sent; false once sent (or passed).")


@extend_schema_field(ReminderOutputSerializer(many=True))
class RemindersOutputField(serializers.Field):  # type: ignore[type-arg]
    """A task's reminders as the API shows them (tasks_app/reminders.py computes them)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: Task) -> list[dict[str, Any]]:
        return reminders_output(value.reminders, value.due_date)


class TaskOutputSerializer(serializers.ModelSerializer[Task]):
    user_id = serializers.CharField(read_only=True)
    parent_task_id = serializers.IntegerField(read_only=True, allow_null=True)
    completed_at = AwareDateTimeField(read_only=True, allow_null=True)
    due_date = AwareDateTimeField(read_only=True, allow_null=True)
    recurring_end_date = AwareDateTimeField(read_only=True, allow_null=True)
    next_occurrence = AwareDateTimeField(read_only=True, allow_null=True)
    reminder_at = AwareDateTimeField(
        read_only=True, allow_null=True, help_text="The first pending reminder, else the last one sent."
    )
    reminder_sent = serializers.BooleanField(
        read_only=True, help_text="True when the task has reminders and none is pending."
    )
    reminders = RemindersOutputField(help_text="Every reminder of the task, in the order they fall.")
    created_at = AwareDateTimeField(read_only=True)
    updated_at = AwareDateTimeField(read_only=True)

    class Meta:
        model = Task
        fields = TASK_OUTPUT_FIELDS  # tasks_app/outputs.py writes the same keys, in this order
        read_only_fields = fields


class TaskInputSerializer(InputSerializer):
    """Create (all fields), replace (PUT: all fields) or patch (PATCH: `partial=True`).

    Context: `now` (aware), `user_timezone`, and for updates `instance` (the current task).
    """

    title = SingleLineCharField(max_length=255, trim_whitespace=True)
    description = TextField(
        required=False, allow_blank=True, default="", max_length=MAX_DESCRIPTION_LENGTH, validators=[NO_NUL]
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, default=Priority.MEDIUM)
    tags = TagsField(required=False, default=list)
    due_date = AwareDateTimeField(required=False, allow_null=True, default=None)
    timezone = timezone_field(required=False)
    recurring_pattern = RecurringPatternField(required=False, default=None)
    recurring_end_date = EndDateField(required=False, allow_null=True, default=None)
    recurrence_anchor = serializers.ChoiceField(
        choices=RecurrenceAnchor.choices,
        required=False,
        default=RecurrenceAnchor.DUE,
        help_text="What a series' next occurrence is counted from: `due`, the rule's own dates (every "
        "Monday); `completion`, the day the last occurrence was completed, at the rule's time of day (every "
        "3 days after it was done).",
    )
    reminders = serializers.ListField(
        child=ReminderInputSerializer(),
        required=False,
        max_length=MAX_REMINDERS,
        help_text=f'Up to {MAX_REMINDERS} reminders, each `{{"at": instant}}` or `{{"before_due": '
        "duration}`. Replaces the task's reminders; left out (PATCH), they stay as they are.",
    )
    reminder_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="One reminder at this instant (null: none), instead of `reminders`. With `reminders`, it "
        "must be one of their instants.",
    )
    reminder_offset_hours = serializers.FloatField(
        required=False,
        min_value=0,
        max_value=MAX_REMINDER_OFFSET_HOURS,
        write_only=True,
        help_text="One reminder this many hours before the due date, at the instant that makes now.",
    )

    def _current(self, attrs: dict[str, Any], name: str) -> Any:
        """The value after this write: from the request, else (PATCH) from the stored task."""
        if name in attrs:
            return attrs[name]
        instance = self.context.get("instance")
        return getattr(instance, name) if instance is not None else None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        now: datetime = self.context["now"]
        zone = self._current(attrs, "timezone") or self.context["user_timezone"]
        due_date = self._current(attrs, "due_date")

        self._validate_reminders(attrs, due_date=due_date, now=now, errors=errors)

        end = attrs.get("recurring_end_date")
        if isinstance(end, date) and not isinstance(end, datetime):
            attrs["recurring_end_date"] = end = end_of_day(end, zone)
        if end is not None and due_date is not None and end < due_date:
            errors["recurring_end_date"] = "The series cannot end before the task's due_date."
        if end is not None and not self._current(attrs, "recurring_pattern"):
            errors["recurring_end_date"] = "An end date needs a recurring_pattern."
        anchor = anchor_error(
            pattern=self._current(attrs, "recurring_pattern"),
            anchor=self._current(attrs, "recurrence_anchor"),
        )
        if anchor:
            errors["recurrence_anchor"] = anchor
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _validate_reminders(
        self, attrs: dict[str, Any], *, due_date: datetime | None, now: datetime, errors: dict[str, Any]
    ) -> None:
        """Turn what the request says of reminders into `attrs["reminders"]` (ReminderSpecs), or errors.

        `reminders` wins (unless sent back unchanged beside a changed `reminder_at`); else `reminder_at` or
        `reminder_offset_hours` make one reminder at an instant; else (PATCH) the task's reminders stay. A
        reminder must lie ahead unless the task has it already (PUT of a GET keeps one passed since).
        """
        reminder_at = attrs.pop("reminder_at", serializers.empty)
        hours = attrs.pop("reminder_offset_hours", None)
        specs: list[ReminderSpec] | None = attrs.get("reminders")
        field = "reminders"
        instance = self.context.get("instance")
        if specs is not None and reminder_at is not serializers.empty and instance is not None:
            # A client that knows only reminder_at sends `reminders` back as it read them: what it changed
            # is what it means.
            echoed = set(specs) == {r.spec for r in load(instance.reminders, instance.due_date)}
            if echoed and reminder_at != instance.reminder_at:
                specs = None
        if specs is not None:
            instants = [spec.instant(due_date) for spec in specs]
            unchanged = instance is not None and reminder_at == instance.reminder_at
            if reminder_at not in (serializers.empty, None) and reminder_at not in instants and not unchanged:
                errors["reminder_at"] = "With reminders, reminder_at must be one of their instants."
        elif hours is not None:
            field = "reminder_offset_hours"
            if reminder_at not in (serializers.empty, None):
                errors[field] = "Give reminder_at or reminder_offset_hours, not both."
                return
            if due_date is None:
                errors[field] = "A reminder offset needs a due_date."
                return
            try:
                specs = [ReminderSpec(at=due_date - timedelta(hours=hours))]
            except OverflowError:
                errors[field] = "The reminder would fall before year 1."
                return
        elif reminder_at is not serializers.empty:
            field = "reminder_at"
            specs = [] if reminder_at is None else [ReminderSpec(at=reminder_at)]
        else:
            return  # PATCH without reminders: they stay (and follow a new due date)
        attrs["reminders"] = specs
        error = self._reminders_error(specs, due_date=due_date, now=now)
        if error:
            errors[field] = error

    def _reminders_error(
        self, specs: list[ReminderSpec], *, due_date: datetime | None, now: datetime
    ) -> str | None:
        instance = self.context.get("instance")  # PUT and PATCH
        kept = set() if instance is None else {r.instant for r in load(instance.reminders, instance.due_date)}
        seen: set[datetime] = set()
        for spec in specs:
            if spec.before_due is not None and due_date is None:
                return "A reminder before the due date needs a due_date."
            try:
                instant = spec.instant(due_date)
            except OverflowError:
                return "The reminder would fall before year 1."
            assert instant is not None
            if instant in seen:
                return "Two reminders fall at the same instant."
            seen.add(instant)
            if instant <= now and instant not in kept:
                return "The reminder time has already passed."
        return None


class TaskPatchInputSerializer(TaskInputSerializer):
    """PATCH: every field is optional and has no default; a field left out keeps its stored value."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
            field.default = serializers.empty
        return fields


def task_input(
    data: Any, *, user_timezone: str, now: datetime, instance: Task | None = None, partial: bool = False
) -> dict[str, Any]:
    """A task's fields as the API reads them (create and PUT, or PATCH when `partial`), validated.

    Raises rest_framework's ValidationError with the field errors. The task API and the assistant both
    read a task's fields through here, so a task written either way obeys the same rules.
    """
    serializer_class = TaskPatchInputSerializer if partial else TaskInputSerializer
    serializer = serializer_class(
        data=data,
        partial=partial,
        context={"now": now, "user_timezone": user_timezone, "instance": instance},
    )
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


TaskPageSerializer = page_serializer("TaskPageSerializer", TaskOutputSerializer)
TaskCursorPageSerializer = cursor_page_serializer("TaskCursorPageSerializer", TaskOutputSerializer)


class TaskCompleteInputSerializer(InputSerializer):
    completed = serializers.BooleanField()


class TaskFilterSerializer(PageInputSerializer):
    completed = serializers.BooleanField(required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    tag = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH, allow_blank=True, validators=[NO_NUL]),
        required=False,
        default=list,
    )
    search = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, validators=[NO_NUL]
    )
    due_before = AwareDateTimeField(required=False)
    due_after = AwareDateTimeField(required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    sort = serializers.ChoiceField(
        choices=[*SORT_FIELDS, *(f"-{name}" for name in SORT_FIELDS)], required=False, default="-created_at"
    )


class TaskCursorFilterSerializer(TaskFilterSerializer):
    page = None  # type: ignore[assignment]  # a page is found by its cursor, not by its number
    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="The `next` or `previous` link of a page carries it; without it, the first page. "
        "A cursor holds the sort it was made for: with another `sort` it is a 400.",
    )


def task_filters(
    params: Mapping[str, Any], *, form: type[TaskFilterSerializer] = TaskFilterSerializer
) -> TaskFilters:
    """The filters and sort of a task list (TaskFilterSerializer's fields, or `form`'s), validated: the list
    APIs' query and the assistant provider's `list_tasks` read them here. Raises ValidationError with the
    field errors.

    The filters depend on the parameters alone, and a client asks for its lists with the same few queries
    over and over: valid ones are remembered (the last FILTERS_REMEMBERED of each form), so a repeated
    query costs a lookup instead of the serializer's 0.1 ms. What changes from one request to the next
    without changing the list's shape is no part of that key: where a list is (`page`, `cursor`) and the
    searched text, which a search box sends anew with each key typed. Each is validated on its own each
    time by its field, so paging through a list or typing a search reuses one entry instead of pushing
    others out. Invalid parameters are validated whole each time, so the 400 names every field at fault.
    """
    apart = {name: params[name] for name in VALIDATED_APART if name in params}
    try:
        key = tuple(
            sorted(
                (name, tuple(value), True) if isinstance(value, list) else (name, value, False)
                for name, value in params.items()
                if name not in VALIDATED_APART
            )
        )
        hash(key)
    except TypeError:  # a value no query string gives (the assistant's JSON): validated, not remembered
        return _validated_filters(form, params)
    fields = _fields_validated_apart(form)
    try:
        values = {name: fields[name].run_validation(value) for name, value in apart.items()}
    except (serializers.ValidationError, KeyError):  # a bad value, or a name this form does not take
        return _validated_filters(form, params)
    filters = _remembered_filters(form, key)
    if values.get("search"):
        filters = replace(filters, search=values["search"])
    return filters


VALIDATED_APART = ("page", "cursor", "search")
FILTERS_REMEMBERED = 1024


@lru_cache(maxsize=FILTERS_REMEMBERED)
def _remembered_filters(
    form: type[TaskFilterSerializer], params: tuple[tuple[str, Any, bool], ...]
) -> TaskFilters:
    given = {name: list(value) if was_list else value for name, value, was_list in params}
    return _validated_filters(form, given)  # a ValidationError is raised, not remembered


@lru_cache(maxsize=8)
def _fields_validated_apart(
    form: type[TaskFilterSerializer],
) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
    """`form`'s fields validated apart from the key, bound once: validating a value reads a field and
    changes nothing in it."""
    fields = form().fields
    return {name: fields[name] for name in VALIDATED_APART if name in fields}


def _validated_filters(form: type[TaskFilterSerializer], params: Mapping[str, Any]) -> TaskFilters:
    serializer = form(data=params)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    return TaskFilters(
        completed=data["completed"],
        priority=data.get("priority"),
        tags=tuple(data["tag"]),
        search=data["search"],
        due_before=data.get("due_before"),
        due_after=data.get("due_after"),
        overdue=data["overdue"],
        sort=data["sort"],
    )


class UserProfileOutputSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text="Empty when the token carried none.")
    name = serializers.CharField(read_only=True)
    timezone = serializers.CharField(read_only=True, help_text="IANA time zone name.")


class UserProfileInputSerializer(InputSerializer):
    timezone = timezone_field(help_text="IANA time zone name, e.g. Europe/Paris.")
