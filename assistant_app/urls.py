"""Routes of the assistant API (`/api/{user_id}/chat` and `/api/{user_id}/conversations...`, under /api/)."""

from django.urls import path

from assistant_app import apis

urlpatterns = [
    path("<str:user_id>/chat", apis.ChatApi.as_view(), name="assistant-chat"),
    path("<str:user_id>/conversations", apis.ConversationListApi.as_view(), name="assistant-conversations"),
    path(
        "<str:user_id>/conversations/<int:conversation_id>",
        apis.ConversationDetailApi.as_view(),
        name="assistant-conversation",
    ),
    path(
        "<str:user_id>/conversations/<int:conversation_id>/messages",
        apis.MessageListApi.as_view(),
        name="assistant-messages",
    ),
]
