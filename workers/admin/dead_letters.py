"""Django admin of dead letters: operators triage the events that kept failing.

Records are evidence: nobody edits, adds or deletes them here. Dead letters change only through the
services of `workers.dead_letters.services` (retry, discard, resolve), run as bulk actions.
"""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from workers.admin.common import pretty_json
from workers.dead_letters.models import DeadLetter
from workers.dead_letters.services import (
    NotRetryableError,
    dead_letters_close,
    dead_letters_retry,
    retry_handlers,
)

BIGINT_MAX = 2**63 - 1
MAX_REASON_LENGTH = 2000
CLOSE_TEMPLATE = "admin/workers/deadletter/close_confirmation.html"


# ModelAdmin is generic in django-stubs only; at run time it cannot be subscripted.
if TYPE_CHECKING:
    DeadLetterModelAdmin = admin.ModelAdmin[DeadLetter]
else:
    DeadLetterModelAdmin = admin.ModelAdmin


class DeadLetterCloseForm(forms.Form):
    reason = forms.CharField(
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Kept with each record, for whoever looks at it next.",
    )


_IDENTITY_FIELDS = (
    "event_id",
    "event_type",
    "task_id",
    "user_id",
    "status",
    "status_reason",
    "status_changed_at",
)
_ORIGIN_FIELDS = ("original_topic", "partition", "offset", "key", "consumer")
_FAILURE_FIELDS = (
    "error_class",
    "error_message",
    "attempts",
    "first_failed_at",
    "last_failed_at",
    "traceback_pretty",
)
_EVENT_FIELDS = ("envelope_pretty", "headers_pretty")


@admin.register(DeadLetter)
class DeadLetterAdmin(DeadLetterModelAdmin):
    list_display = (
        "event_id",
        "event_type",
        "original_topic",
        "consumer",
        "attempts",
        "status",
        "last_failed_at",
    )
    list_filter = (
        "status",
        "event_type",
        "original_topic",
        ("last_failed_at", admin.DateFieldListFilter),
    )
    date_hierarchy = "last_failed_at"
    search_fields = ("event_id", "user_id", "error_message")
    search_help_text = "Part of the event id, user id or error message; a number also finds the task id."
    ordering = ("-last_failed_at", "-id")
    actions = ("retry", "discard", "resolve")
    fieldsets = (
        (None, {"fields": _IDENTITY_FIELDS}),
        ("Where it came from", {"fields": _ORIGIN_FIELDS}),
        ("Failure", {"fields": _FAILURE_FIELDS}),
        ("Event", {"fields": _EVENT_FIELDS}),
    )
    # Every field shown is read-only: operators act on dead letters only through the actions.
    readonly_fields = _IDENTITY_FIELDS + _ORIGIN_FIELDS + _FAILURE_FIELDS + _EVENT_FIELDS

    # --- permissions: the list offers the actions (change permission); the detail page is read-only
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: DeadLetter | None = None) -> bool:
        # Without an object Django asks whether the bulk actions may run; with one, whether the form
        # may be saved, which it never may: the fields are evidence.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: DeadLetter | None = None) -> bool:
        return False  # kept until discarded or resolved, and afterwards as the record of that

    # --- the detail page
    @admin.display(description="envelope")
    def envelope_pretty(self, record: DeadLetter) -> SafeString:
        return pretty_json(record.envelope)

    @admin.display(description="headers")
    def headers_pretty(self, record: DeadLetter) -> SafeString:
        return pretty_json(record.headers)

    @admin.display(description="traceback")
    def traceback_pretty(self, record: DeadLetter) -> SafeString:
        return format_html("<pre>{}</pre>", record.traceback or "(none recorded)")

    # --- search: the task id is a number, so it is matched exactly, not as text
    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[DeadLetter], search_term: str
    ) -> tuple[QuerySet[DeadLetter], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term.isascii() and term.isdigit() and int(term) <= BIGINT_MAX:
            # Widen the text matches with the task id, within the list filters already applied.
            results = queryset.filter(Q(pk__in=results.values("pk")) | Q(task_id=int(term)))
        return results, may_have_duplicates

    # --- actions
    @admin.action(
        description="Retry: publish again to the original topic, or have its consumer retry it",
        permissions=["change"],
    )
    def retry(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        try:
            records = dead_letters_retry(records=queryset)
        except NotRetryableError as error:
            reason = str(error)
            self.message_user(
                request, f"Nothing was retried. {reason[:1].upper()}{reason[1:]}.", messages.ERROR
            )
            return
        handled = retry_handlers()
        self._report_retried(
            request,
            [record for record in records if record.consumer not in handled],
            log="Retried: published again to the original topic.",
            message=(
                "%(count)d dead letter was published again to its original topic.",
                "%(count)d dead letters were published again to their original topics.",
            ),
        )
        self._report_retried(
            request,
            [record for record in records if record.consumer in handled],
            log="Retried by its consumer.",
            message=(
                "%(count)d dead letter was retried by its consumer.",
                "%(count)d dead letters were retried by their consumers.",
            ),
        )

    def _report_retried(
        self, request: HttpRequest, records: list[DeadLetter], *, log: str, message: tuple[str, str]
    ) -> None:
        if records:
            self._log(request, records, log)
            singular, plural = message
            count = len(records)
            self.message_user(request, ngettext(singular, plural, count) % {"count": count}, messages.SUCCESS)

    @admin.action(description="Discard (with a reason)", permissions=["change"])
    def discard(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> HttpResponse | None:
        return self._close(
            request, queryset, action="discard", status=DeadLetter.Status.DISCARDED, verb="Discard"
        )

    @admin.action(description="Mark resolved (with a reason)", permissions=["change"])
    def resolve(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> HttpResponse | None:
        return self._close(
            request, queryset, action="resolve", status=DeadLetter.Status.RESOLVED, verb="Resolve"
        )

    def _close(
        self,
        request: HttpRequest,
        queryset: QuerySet[DeadLetter],
        *,
        action: str,
        status: DeadLetter.Status,
        verb: str,
    ) -> HttpResponse | None:
        """First call: a page asking for the reason. Its form posts the same action back, confirmed."""
        records = list(queryset.order_by("-last_failed_at", "-id"))
        form = DeadLetterCloseForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            count = dead_letters_close(records=records, status=status, reason=reason)
            self._log(request, records, f"{status.label}: {reason}")
            self.message_user(
                request,
                ngettext(
                    "%(count)d dead letter was marked %(status)s.",
                    "%(count)d dead letters were marked %(status)s.",
                    count,
                )
                % {"count": count, "status": status.value},
                messages.SUCCESS,
            )
            return None
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": f"{verb} dead letters",
            "opts": self.opts,
            "records": records,
            "form": form,
            "verb": verb,
            "new_status": status.label,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, CLOSE_TEMPLATE, context)

    def _log(self, request: HttpRequest, records: list[DeadLetter], message: str) -> None:
        """Who did what, in each record's admin history."""
        user_id = request.user.pk  # admin views run for a signed-in staff user only
        if records and user_id is not None:
            LogEntry.objects.log_actions(
                user_id=user_id, queryset=records, action_flag=CHANGE, change_message=message
            )
