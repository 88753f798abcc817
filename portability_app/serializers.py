"""The export document's shapes: its header and one task record (used to validate an import item by item,
and to document both directions in the OpenAPI schema)."""

from typing import Any

from rest_framework import serializers

from portability_app.document import FORMAT_NAME, FORMAT_VERSION
from tasks_app.models import Priority, RecurrenceAnchor
from tasks_app.reminders import MAX_REMINDERS, ReminderSpec
from tasks_app.serializers import (
    MAX_DESCRIPTION_LENGTH,
    RecurringPatternField,
    ReminderInputSerializer,
    SingleLineCharField,
    TagsField,
    anchor_error,
    timezone_field,
)
from workers.http.fields import NO_NUL, AwareDateTimeField, TextField

MAX_FILE_ID = 2**63 - 1


# A document is JSON written by a program: a value of the wrong JSON type is an error, not something to
# coerce (DRF would read 5 as "5", "5" as 5 and "yes" as true). Text fields take strings only already
# (workers.http.fields.TextField); these are the others.
class JsonIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, int) or isinstance(data, bool):
            raise serializers.ValidationError("Must be an integer.", code="invalid")
        return super().to_internal_value(data)


class JsonBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            raise serializers.ValidationError("Must be true or false.", code="invalid")
        return data


class JsonChoiceField(serializers.ChoiceField):
    """One of the choices, of the same JSON type (the version 1, not "1")."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not any(type(data) is type(choice) for choice in self.choices):
            raise serializers.ValidationError(f"Must be one of {', '.join(map(repr, self.choices))}.")
        return super().to_internal_value(data)


class ReminderRecordSerializer(ReminderInputSerializer):
    """A reminder as the export writes it (the API's shape); `pending: false` imports it as done."""

    pending = JsonBooleanField(required=False, default=True)

    def validate(self, attrs: dict[str, Any]) -> tuple[ReminderSpec, bool]:  # type: ignore[override]
        return super().validate(attrs), attrs["pending"]


class TaskRecordSerializer(serializers.Serializer[dict[str, Any]]):
    """One task of the document. On import, every field but `id`, `title` and `created_at` may be left out
    (it then takes the API's default); an export writes them all."""

    id = JsonIntegerField(
        min_value=1,
        max_value=MAX_FILE_ID,
        help_text="The task's id in this file (the exporting account's id): only for `series` references.",
    )
    series = JsonIntegerField(
        min_value=1,
        max_value=MAX_FILE_ID,
        allow_null=True,
        required=False,
        default=None,
        help_text="null, or the `id` of the first task of this task's recurring series: an earlier task in "
        "the file. Import links the new task to that task's new copy.",
    )
    title = SingleLineCharField(max_length=255, trim_whitespace=True)
    description = TextField(
        required=False, allow_blank=True, default="", max_length=MAX_DESCRIPTION_LENGTH, validators=[NO_NUL]
    )
    completed = JsonBooleanField(required=False, default=False)
    completed_at = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text="Set exactly when `completed` is true."
    )
    skipped = JsonBooleanField(
        required=False, default=False, help_text="A completed occurrence of a series that was passed over."
    )
    priority = JsonChoiceField(choices=Priority.choices, required=False, default=Priority.MEDIUM)
    tags = TagsField(required=False, default=list)
    due_date = AwareDateTimeField(required=False, allow_null=True, default=None)
    timezone = timezone_field(
        required=False, help_text="The task's IANA time zone; the importing profile's when left out."
    )
    recurring_pattern = RecurringPatternField(required=False, default=None)
    recurring_end_date = AwareDateTimeField(required=False, allow_null=True, default=None)
    recurrence_anchor = JsonChoiceField(
        choices=RecurrenceAnchor.choices, required=False, default=RecurrenceAnchor.DUE
    )
    next_occurrence = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Of a completed recurring task: when its next occurrence is (or was) due. Kept as is; "
        "import never creates an occurrence (docs/export.md).",
    )
    reminders = serializers.ListField(
        child=ReminderRecordSerializer(),
        required=False,
        allow_null=True,
        default=None,
        max_length=MAX_REMINDERS,
        help_text="Every reminder of the task, as the API shows them. Files written before several reminders "
        "per task leave it out: `reminder_at` and `reminder_sent` then stand for the one reminder.",
    )
    reminder_at = AwareDateTimeField(
        required=False, allow_null=True, default=None, help_text="Read only when `reminders` is left out."
    )
    reminder_sent = JsonBooleanField(
        required=False, default=False, help_text="Read only when `reminders` is left out."
    )
    created_at = AwareDateTimeField(help_text="Kept by the import.")
    updated_at = AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Informative: the import's own time replaces it.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, str] = {}
        if attrs["completed"] and attrs["completed_at"] is None:
            errors["completed_at"] = "A completed task needs completed_at."
        if not attrs["completed"] and attrs["completed_at"] is not None:
            errors["completed_at"] = "Only a completed task has completed_at."
        if attrs["skipped"] and not attrs["completed"]:
            errors["skipped"] = "Only a completed task can have been skipped."
        anchor = anchor_error(pattern=attrs["recurring_pattern"], anchor=attrs["recurrence_anchor"])
        if anchor:
            errors["recurrence_anchor"] = anchor
        end, due = attrs["recurring_end_date"], attrs["due_date"]
        if end is not None and not attrs["recurring_pattern"]:
            errors["recurring_end_date"] = "An end date needs a recurring_pattern."
        elif end is not None and due is not None and end < due:
            errors["recurring_end_date"] = "The series cannot end before the task's due_date."
        if attrs["series"] is not None and attrs["series"] == attrs["id"]:
            errors["series"] = "A task cannot be a later occurrence of itself: null for a series' first task."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ExportHeaderSerializer(serializers.Serializer[dict[str, Any]]):
    format = JsonChoiceField(choices=[FORMAT_NAME], help_text="Always `todo-export`.")
    version = JsonChoiceField(
        choices=[FORMAT_VERSION], help_text="The format's version; a new shape is a new version."
    )
    exported_at = AwareDateTimeField()
    timezone = TextField(
        max_length=64,
        allow_blank=True,
        validators=[NO_NUL],
        help_text="The exporting profile's IANA time zone (informative: tasks carry their own).",
    )


class ExportDocumentSerializer(ExportHeaderSerializer):
    """The whole document (docs/export.md): the header, then every task in the order they were created."""

    tasks = TaskRecordSerializer(many=True)


class ImportResultSerializer(serializers.Serializer[dict[str, Any]]):
    imported = serializers.IntegerField(help_text="Tasks created.")
    series = serializers.IntegerField(help_text="Of those, later occurrences linked to their series.")
