"""Routes of the task API (`/api/{user_id}/tasks...`, without trailing slashes; README, HTTP endpoints)."""

from django.urls import path

from tasks_app import apis

urlpatterns = [
    path("<str:user_id>/tasks", apis.TaskListCreateApi.as_view(), name="task-list"),
    path("<str:user_id>/tasks/cursor", apis.TaskCursorListApi.as_view(), name="task-list-by-cursor"),
    path("<str:user_id>/tasks/<int:task_id>", apis.TaskDetailApi.as_view(), name="task-detail"),
    path("<str:user_id>/tasks/<int:task_id>/complete", apis.TaskCompleteApi.as_view(), name="task-complete"),
    path("<str:user_id>/tasks/<int:task_id>/skip", apis.TaskSkipApi.as_view(), name="task-skip"),
    path("<str:user_id>/tasks/<int:task_id>/series", apis.TaskSeriesApi.as_view(), name="task-series"),
    path("<str:user_id>/profile", apis.UserProfileApi.as_view(), name="user-profile"),
]
