"""The task REST API: one thin view per operation, each parsing input, calling a service or selector."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tasks_app import selectors, services
from tasks_app.authentication import UserJwtAuthentication
from tasks_app.idempotency import MAX_KEY_LENGTH, IdempotencyKeyReusedError, request_fingerprint, run_once
from tasks_app.models import Task, UserProfile
from tasks_app.outputs import TASK_OUTPUT_FIELDS, task_output, task_rows_output
from tasks_app.serializers import (
    TaskCompleteInputSerializer,
    TaskCursorFilterSerializer,
    TaskCursorPageSerializer,
    TaskFilterSerializer,
    TaskInputSerializer,
    TaskOutputSerializer,
    TaskPageSerializer,
    TaskPatchInputSerializer,
    UserProfileInputSerializer,
    UserProfileOutputSerializer,
    task_filters,
    task_input,
)
from workers.http.cursors import CursorPagination
from workers.http.schema import error_responses
from workers.http.serializers import PageInputSerializer, Pagination


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


class IsPathUser(BasePermission):
    """The `{user_id}` in the path is the caller's own (`sub` of the token)."""

    message = "You can only access your own tasks."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(getattr(user, "is_authenticated", False)) and view.kwargs.get("user_id") == user.id


class UserApi(APIView):
    authentication_classes = [UserJwtAuthentication]
    permission_classes = [IsPathUser]

    def get_task(self, user_id: str, task_id: int) -> Task:
        try:
            return selectors.task_get(user_id=user_id, task_id=task_id)
        except Task.DoesNotExist as error:
            raise NotFound("Task not found.") from error


def _input(
    user: UserProfile, data: Any, *, instance: Task | None = None, partial: bool = False
) -> dict[str, Any]:
    return task_input(
        data, user_timezone=user.timezone, now=timezone.now(), instance=instance, partial=partial
    )


def _filters(
    request: Request, form: type[TaskFilterSerializer] = TaskFilterSerializer
) -> selectors.TaskFilters:
    params: dict[str, Any] = {key: request.query_params.get(key) for key in request.query_params}
    params["tag"] = request.query_params.getlist("tag")
    return task_filters(params, form=form)


def respond_once(request: Request, user_id: str, operation: Callable[[], tuple[int, Any]]) -> Response:
    """The response of `operation` (its status and body); with an `Idempotency-Key` header, the first
    response for that key replayed to every repeat of the same request (`Idempotent-Replayed: true`)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        code, body = operation()
        return Response(body, status=code)
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError({"Idempotency-Key": [f"At most {MAX_KEY_LENGTH} characters."]})
    fingerprint = request_fingerprint(method="POST", path=request.path, body=request.data)
    try:
        outcome = run_once(user_id=user_id, key=key, fingerprint=fingerprint, operation=operation)
    except IdempotencyKeyReusedError as error:
        raise ValidationError(
            {"Idempotency-Key": ["This key was already used for a different request."]}
        ) from error
    headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
    return Response(outcome.body, status=outcome.status, headers=headers)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=f"Repeats of the same request with this key replay its first response "
    f"(at most {MAX_KEY_LENGTH} characters).",
)


class TaskListCreateApi(UserApi):
    @extend_schema(
        operation_id="tasks_list",
        parameters=[TaskFilterSerializer],
        responses={
            200: TaskPageSerializer,
            **error_responses(400, 401, 403, 404, described={404: "A page past the last."}),
        },
    )
    def get(self, request: Request, user_id: str) -> Response:
        tasks = selectors.task_list_prepared(
            user_id=user_id, filters=_filters(request), now=timezone.now(), fields=TASK_OUTPUT_FIELDS
        )
        paginator = Pagination()
        # Rows, not model instances: a page is only ever shown (TaskOutputSerializer's shape, outputs.py).
        # A prepared list, not a queryset: the paginator runs it as a statement compiled once for its shape.
        page: list[dict[str, Any]] | None = paginator.paginate_queryset(
            tasks,  # type: ignore[arg-type]
            request,
            view=self,
        )
        return paginator.get_paginated_response(task_rows_output(page or []))

    @extend_schema(
        request=TaskInputSerializer,
        responses={
            201: OpenApiResponse(
                TaskOutputSerializer,
                description="Created, or the first response replayed for a repeated key.",
            ),
            **error_responses(
                400,
                401,
                403,
                described={400: "Invalid fields, or an Idempotency-Key used before for another request."},
            ),
        },
        parameters=[IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, user_id: str) -> Response:
        def create() -> tuple[int, Any]:
            user = selectors.user_get(user_id=user_id)
            task = services.task_create(user=user, at=timezone.now(), **_input(user, request.data))
            return status.HTTP_201_CREATED, task_output(task)

        return respond_once(request, user_id, create)


class TaskCursorListApi(UserApi):
    @extend_schema(
        operation_id="tasks_list_by_cursor",
        description="The task list with the same filters and sort, a page at a time by cursor: each page "
        "starts right after the last one, whatever was added or removed meanwhile, costs the same however "
        "far into the list, and carries no count. Follow `next` until it is null.",
        parameters=[TaskCursorFilterSerializer],
        responses={
            200: TaskCursorPageSerializer,
            **error_responses(
                400, 401, 403, described={400: "Invalid filters, or not a cursor of this sort."}
            ),
        },
    )
    def get(self, request: Request, user_id: str) -> Response:
        tasks = selectors.task_list_prepared(
            user_id=user_id,
            filters=_filters(request, TaskCursorFilterSerializer),
            now=timezone.now(),
            fields=TASK_OUTPUT_FIELDS,
        )
        paginator = CursorPagination()
        page = paginator.paginate_queryset(tasks, request)  # a statement compiled once for the list's shape
        return paginator.get_paginated_response(task_rows_output(page))


UPDATE_ERRORS = error_responses(
    400,
    401,
    403,
    404,
    409,
    described={409: "An occurrence of a recurring series would move onto the due date of another one."},
)


class TaskDetailApi(UserApi):
    @extend_schema(responses={200: TaskOutputSerializer, **error_responses(401, 403, 404)})
    def get(self, request: Request, user_id: str, task_id: int) -> Response:
        return Response(task_output(self.get_task(user_id, task_id)))

    def _update(self, request: Request, user_id: str, task_id: int, *, partial: bool) -> Response:
        task = self.get_task(user_id, task_id)
        changes = _input(selectors.user_get(user_id=user_id), request.data, instance=task, partial=partial)
        if not partial:
            changes.setdefault("timezone", task.timezone)
        try:
            task = services.task_update(task=task, changes=changes, at=timezone.now())
        except services.DueDateTakenError as error:
            raise Conflict(str(error), code="due_date_taken") from error
        return Response(task_output(task))

    @extend_schema(
        request=TaskInputSerializer,
        description="Replace every writable field; a field left out takes its default.",
        responses={200: TaskOutputSerializer, **UPDATE_ERRORS},
    )
    def put(self, request: Request, user_id: str, task_id: int) -> Response:
        return self._update(request, user_id, task_id, partial=False)

    @extend_schema(
        request=TaskPatchInputSerializer,
        description="Change the fields given; the others keep their values.",
        responses={200: TaskOutputSerializer, **UPDATE_ERRORS},
    )
    def patch(self, request: Request, user_id: str, task_id: int) -> Response:
        return self._update(request, user_id, task_id, partial=True)

    @extend_schema(responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request: Request, user_id: str, task_id: int) -> Response:
        services.task_delete(task=self.get_task(user_id, task_id), at=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TaskCompleteApi(UserApi):
    @extend_schema(
        request=TaskCompleteInputSerializer,
        responses={200: TaskOutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request: Request, user_id: str, task_id: int) -> Response:
        serializer = TaskCompleteInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = services.task_complete(
            task=self.get_task(user_id, task_id),
            completed=serializer.validated_data["completed"],
            at=timezone.now(),
        )
        return Response(task_output(task))


class TaskSkipApi(UserApi):
    @extend_schema(
        request=None,
        description="Pass over an open occurrence of a recurring series: it is completed as `skipped` (not "
        "done), and the series' next occurrence is made as for a completion. Skipping a skipped task again "
        "changes nothing; reopening it (`/complete` with false) undoes the skip.",
        responses={
            200: TaskOutputSerializer,
            **error_responses(
                401, 403, 404, 409, described={409: "The task does not recur, or is completed already."}
            ),
        },
    )
    def post(self, request: Request, user_id: str, task_id: int) -> Response:
        try:
            task = services.task_skip(task=self.get_task(user_id, task_id), at=timezone.now())
        except services.NotSkippableError as error:
            raise Conflict(str(error), code="not_skippable") from error
        return Response(task_output(task))


class TaskSeriesApi(UserApi):
    @extend_schema(
        operation_id="tasks_series",
        description="The recurring series the task belongs to, by due date: its first task and every "
        "occurrence made from it, done (`completed`), skipped (`completed` and `skipped`) and open, with "
        "their completion times. A task of no series is a series of one.",
        parameters=[PageInputSerializer],
        responses={
            200: TaskPageSerializer,
            **error_responses(400, 401, 403, 404, described={404: "No such task, or a page past the last."}),
        },
    )
    def get(self, request: Request, user_id: str, task_id: int) -> Response:
        serializer = PageInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        series = selectors.task_series(task=self.get_task(user_id, task_id))
        paginator = Pagination()
        page = paginator.paginate_queryset(series.values(*TASK_OUTPUT_FIELDS), request, view=self)
        return paginator.get_paginated_response(task_rows_output(page or []))


class UserProfileApi(UserApi):
    @extend_schema(responses={200: UserProfileOutputSerializer, **error_responses(401, 403)})
    def get(self, request: Request, user_id: str) -> Response:
        return Response(UserProfileOutputSerializer(selectors.user_get(user_id=user_id)).data)

    @extend_schema(
        request=UserProfileInputSerializer,
        responses={200: UserProfileOutputSerializer, **error_responses(400, 401, 403)},
    )
    def patch(self, request: Request, user_id: str) -> Response:
        serializer = UserProfileInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_profile_update(
            user=selectors.user_get(user_id=user_id),
            timezone=serializer.validated_data["timezone"],
            at=timezone.now(),
        )
        return Response(UserProfileOutputSerializer(user).data)
