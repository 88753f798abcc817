"""Input and output shapes of the task API; validation of what callers send lives here, rules in services."""

import copy
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.validators import RegexValidator
from django.utils import dateparse
from rest_framework import serializers

from tasks_app.models import TAG_MAX_LENGTH, Priority, RecurrenceAnchor, Task
from tasks_app.outputs import TASK_OUTPUT_FIELDS
from tasks_app.recurrence_rules import InvalidPatternError, check_pattern, counts_occurrences
from tasks_app.selectors import SORT_FIELDS
from tasks_app.timezones import known_timezones
from workers.http.fields import NO_NUL, AwareDateTimeField, TextField

MAX_TAGS = 20
MAX_DESCRIPTION_LENGTH = 10_000
MAX_REMINDER_OFFSET_HOURS = 24 * 366
MAX_PAGE_SIZE = 100


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


# A serializer of input whose declared fields are copied shallowly for each instance. DRF deep-copies every
# declared field for each serializer instance, to be safe with fields that keep state; these fields keep none
# while validating (their choices, validators and messages are only read), and the deep copies were a third
# of a create's CPU: the time zone choice's ~600 choices copied and indexed again on every request
# (bench/api.py). Each copy is still bound to its own serializer. (No docstring: drf-spectacular would show
# it as the description of every subclass without one.)
class InputSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


class TaskOutputSerializer(serializers.ModelSerializer[Task]):
    user_id = serializers.CharField(read_only=True)
    parent_task_id = serializers.IntegerField(read_only=True, allow_null=True)
    completed_at = AwareDateTimeField(read_only=True, allow_null=True)
    due_date = AwareDateTimeField(read_only=True, allow_null=True)
    recurring_end_date = AwareDateTimeField(read_only=True, allow_null=True)
    next_occurrence = AwareDateTimeField(read_only=True, allow_null=True)
    reminder_at = AwareDateTimeField(read_only=True, allow_null=True)
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
    reminder_at = AwareDateTimeField(required=False, allow_null=True, default=None)
    reminder_offset_hours = serializers.FloatField(
        required=False, min_value=0, max_value=MAX_REMINDER_OFFSET_HOURS, write_only=True
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

        if "reminder_offset_hours" in attrs:
            hours = attrs.pop("reminder_offset_hours")
            if attrs.get("reminder_at") is not None:
                errors["reminder_offset_hours"] = "Give reminder_at or reminder_offset_hours, not both."
            elif due_date is None:
                errors["reminder_offset_hours"] = "A reminder offset needs a due_date."
            else:
                try:
                    attrs["reminder_at"] = due_date - timedelta(hours=hours)
                except OverflowError:
                    errors["reminder_offset_hours"] = "The reminder would fall before year 1."
        reminder_at = attrs.get("reminder_at")
        # Only a new reminder must lie ahead: sending a task back as it was read (PUT of a GET) keeps a
        # reminder that has passed since.
        instance = self.context.get("instance")
        unchanged = instance is not None and reminder_at == instance.reminder_at
        if (
            reminder_at is not None
            and reminder_at <= now
            and not unchanged
            and "reminder_offset_hours" not in errors
        ):
            field = "reminder_at" if "reminder_at" in self.initial_data else "reminder_offset_hours"
            errors[field] = "The reminder time has already passed."

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


class TaskPatchInputSerializer(TaskInputSerializer):
    """PATCH: every field is optional and has no default; a field left out keeps its stored value."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        for field in fields.values():
            field.required = False
            field.default = serializers.empty
        return fields


class TaskPageSerializer(serializers.Serializer[Any]):
    """One page of tasks, as PageNumberPagination returns it (for the schema)."""

    count = serializers.IntegerField(help_text="Tasks that match, on every page.")
    next = serializers.URLField(allow_null=True, help_text="The next page, or null on the last.")
    previous = serializers.URLField(allow_null=True, help_text="The previous page, or null on the first.")
    results = TaskOutputSerializer(many=True)


class TaskCompleteInputSerializer(InputSerializer):
    completed = serializers.BooleanField()


class TaskPageInputSerializer(InputSerializer):
    """The page of a list: read by the paginator, validated here so that a malformed value is a 400, not a
    silent default."""

    page = serializers.IntegerField(required=False, min_value=1, help_text="From 1; past the last is a 404.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, help_text=f"Tasks per page, 50 unless given; at most {MAX_PAGE_SIZE}."
    )


class TaskFilterSerializer(TaskPageInputSerializer):
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


class UserProfileOutputSerializer(serializers.Serializer[Any]):
    id = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text="Empty when the token carried none.")
    name = serializers.CharField(read_only=True)
    timezone = serializers.CharField(read_only=True, help_text="IANA time zone name.")


class UserProfileInputSerializer(InputSerializer):
    timezone = timezone_field(help_text="IANA time zone name, e.g. Europe/Paris.")
