"""`GET /api/{user_id}/export` (the user's tasks as one JSON document, streamed) and
`POST /api/{user_id}/import` (such a document read incrementally from the request; docs/export.md)."""

import hashlib
from collections.abc import Iterator
from dataclasses import asdict
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, UnsupportedMediaType, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from portability_app import selectors, services
from portability_app.document import (
    FORMAT_NAME,
    FORMAT_VERSION,
    Field,
    MalformedDocumentError,
    encode_document,
    read_document,
)
from portability_app.serializers import (
    ExportDocumentSerializer,
    ExportHeaderSerializer,
    ImportResultSerializer,
    TaskRecordSerializer,
)
from tasks_app.apis import UserApi
from tasks_app.idempotency import MAX_KEY_LENGTH
from tasks_app.models import IdempotencyKey
from tasks_app.selectors import user_get
from workers.http.fields import AwareDateTimeField
from workers.http.schema import error_responses

# The largest document an import reads: it bounds the one transaction an import is (about 200,000 tasks
# of ordinary size). The body is never held in memory whatever its size: it is parsed as it arrives.
IMPORT_MAX_BYTES = 256 * 1024 * 1024
READ_BYTES = 64 * 1024

EXAMPLE_DOCUMENT = {
    "format": FORMAT_NAME,
    "version": FORMAT_VERSION,
    "exported_at": "2026-03-01T09:00:00Z",
    "timezone": "Europe/Paris",
    "tasks": [
        {
            "id": 41,
            "series": None,
            "title": "Water the plants",
            "description": "",
            "completed": True,
            "completed_at": "2026-02-27T08:02:11Z",
            "skipped": False,
            "priority": "medium",
            "tags": ["home"],
            "due_date": "2026-02-27T08:00:00Z",
            "timezone": "Europe/Paris",
            "recurring_pattern": "FREQ=WEEKLY",
            "recurring_end_date": None,
            "recurrence_anchor": "due",
            "next_occurrence": "2026-03-06T08:00:00Z",
            "reminder_at": "2026-02-27T07:45:00Z",
            "reminder_sent": True,
            "reminders": [{"at": "2026-02-27T07:45:00Z", "before_due": "PT15M", "pending": False}],
            "created_at": "2026-02-20T18:00:00Z",
            "updated_at": "2026-02-27T08:02:11Z",
        },
        {
            "id": 57,
            "series": 41,
            "title": "Water the plants",
            "description": "",
            "completed": False,
            "completed_at": None,
            "skipped": False,
            "priority": "medium",
            "tags": ["home"],
            "due_date": "2026-03-06T08:00:00Z",
            "timezone": "Europe/Paris",
            "recurring_pattern": "FREQ=WEEKLY",
            "recurring_end_date": None,
            "recurrence_anchor": "due",
            "next_occurrence": None,
            "reminder_at": "2026-03-06T07:45:00Z",
            "reminder_sent": False,
            "reminders": [{"at": "2026-03-06T07:45:00Z", "before_due": "PT15M", "pending": True}],
            "created_at": "2026-02-27T08:02:12Z",
            "updated_at": "2026-02-27T08:02:12Z",
        },
    ],
}


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = f"An import document is at most {IMPORT_MAX_BYTES // (1024 * 1024)} MiB."
    default_code = "too_large"


class ExportApi(UserApi):
    @extend_schema(
        operation_id="export_retrieve",
        tags=["export and import"],
        summary="All the user's tasks as one JSON document (a download)",
        description=(
            "Every task of the user, open and completed, with its series (as references within the file) "
            "and its reminder, oldest first. Streamed: the response has no Content-Length. The document "
            "is what `POST /api/{user_id}/import` takes (docs/export.md)."
        ),
        responses={
            200: OpenApiResponse(
                ExportDocumentSerializer,
                description="The document, as an attachment `todo-export-<date>.json`.",
                examples=[OpenApiExample("Two tasks of one series", value=EXAMPLE_DOCUMENT)],
            ),
            **error_responses(401, 403),
        },
    )
    def get(self, request: Request, user_id: str) -> StreamingHttpResponse:
        user = user_get(user_id=user_id)
        now = timezone.now()
        header = {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "exported_at": AwareDateTimeField().to_representation(now),
            "timezone": user.timezone,
        }
        response = StreamingHttpResponse(
            encode_document(header, selectors.export_records(user_id=user.id)),
            content_type="application/json",
        )
        filename = f"todo-export-{now.astimezone(ZoneInfo(user.timezone)).date().isoformat()}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


class _BoundedHashingReader:
    """The request body as ijson reads it, hashed on the way and cut off past IMPORT_MAX_BYTES."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = READ_BYTES) -> bytes:
        if self.stream is None or size == 0:  # ijson's read(0) only asks whether it gets bytes or text
            return b""
        data = self.stream.read(size if size > 0 else READ_BYTES)  # never the whole body at once
        self.size += len(data)
        if self.size > IMPORT_MAX_BYTES:
            raise PayloadTooLarge
        self.digest.update(data)
        return data

    def drain(self) -> None:
        while self.read():
            pass


def _records(reader: _BoundedHashingReader) -> Iterator[services.Record | services.Invalid]:
    """The document's tasks validated one by one (each with TaskRecordSerializer), then its header."""
    header: dict[str, Any] = {}
    # One serializer for every item: building one (a deep copy of its fields, the time zone field's
    # hundreds of choices included) costs more than validating an item.
    validator = TaskRecordSerializer()
    try:
        for part in read_document(reader):  # type: ignore[arg-type]  # any object with read() will do
            if isinstance(part, Field):
                header.setdefault(part.name, part.value)
                continue
            try:
                yield services.Record(part.index, dict(validator.run_validation(part.value)))
            except ValidationError as error:
                yield services.Invalid(part.index, dict(as_serializer_error(error)))
    except MalformedDocumentError as error:
        yield services.Invalid(None, {"document": [str(error)]})
        return
    header_serializer = ExportHeaderSerializer(data=header)
    if not header_serializer.is_valid():
        yield services.Invalid(None, dict(header_serializer.errors))


def _fingerprint(request: Request, reader: _BoundedHashingReader) -> str:
    return hashlib.sha256(f"POST {request.path} ".encode() + reader.digest.digest()).hexdigest()


class ImportApi(UserApi):
    @extend_schema(
        operation_id="import_create",
        tags=["export and import"],
        summary="Create tasks from an export document",
        description=(
            "Creates every task of the document (the output of `GET /api/{user_id}/export`, possibly of "
            "another account) in this account, linking series anew; all or nothing. Each task writes the "
            "events of a created task; completions are imported as history (no next occurrence is "
            "created for them) and a reminder whose moment has passed is done, not sent. The body is read "
            f"as it arrives, up to {IMPORT_MAX_BYTES // (1024 * 1024)} MiB (docs/export.md)."
        ),
        request={"application/json": ExportDocumentSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Repeats of the same document with this key replay the first response "
                f"instead of importing again (at most {MAX_KEY_LENGTH} characters).",
            )
        ],
        responses={
            201: OpenApiResponse(
                ImportResultSerializer, description="Imported (or the first response, replayed)."
            ),
            **error_responses(
                400,
                401,
                403,
                413,
                415,
                described={
                    400: "Not an export document, or an invalid one: `details` names each problem, a task's "
                    'by its index in `tasks` (`{"tasks": {"3": {"series": [...]}}}`); nothing imported.',
                    413: f"The document is larger than {IMPORT_MAX_BYTES // (1024 * 1024)} MiB.",
                    415: "The body is not `application/json`.",
                },
            ),
        },
    )
    def post(self, request: Request, user_id: str) -> Response:
        if request.content_type.split(";")[0].strip().lower() != "application/json":
            raise UnsupportedMediaType(request.content_type)
        if int(request.META.get("CONTENT_LENGTH") or 0) > IMPORT_MAX_BYTES:
            raise PayloadTooLarge
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError({"Idempotency-Key": [f"At most {MAX_KEY_LENGTH} characters."]})
        reader = _BoundedHashingReader(request.stream)
        user = user_get(user_id=user_id)

        def run() -> dict[str, Any]:
            try:
                result = services.tasks_import(user=user, records=_records(reader), at=timezone.now())
            except services.ImportInvalidError as error:
                raise ValidationError(error.errors) from error
            return dict(ImportResultSerializer(asdict(result)).data)

        if not key:
            return Response(run(), status=status.HTTP_201_CREATED)
        # tasks_app.idempotency.run_once needs the request's fingerprint before it runs, which here would
        # mean holding the whole body first; the same protocol instead, the body hashed while it is read.
        stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
        if stored is None:
            try:
                with transaction.atomic():
                    body = run()
                    reader.drain()
                    IdempotencyKey.objects.create(
                        user_id=user_id,
                        key=key,
                        request_fingerprint=_fingerprint(request, reader),
                        response_status=status.HTTP_201_CREATED,
                        response_body=body,
                    )
                return Response(body, status=status.HTTP_201_CREATED)
            except IntegrityError:  # the same key, committed meanwhile by a concurrent request
                stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
                if stored is None:
                    raise
        reader.drain()
        if stored.request_fingerprint != _fingerprint(request, reader):
            raise ValidationError({"Idempotency-Key": ["This key was already used for a different request."]})
        return Response(
            stored.response_body, status=stored.response_status, headers={"Idempotent-Replayed": "true"}
        )
