"""The assistant API, under /api/{user_id} (the user's JWT): a message to the assistant (`chat`), and the
user's conversations and their messages. Another user's conversation is a 404, as one that never existed."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from assistant_app import selectors, services
from assistant_app.grammar import MAX_MESSAGE_LENGTH
from assistant_app.models import Conversation, Message
from tasks_app.apis import IDEMPOTENCY_KEY, UserApi, respond_once
from tasks_app.selectors import user_get
from tasks_app.serializers import TaskOutputSerializer
from workers.http.fields import NO_NUL, TextField
from workers.http.schema import error_responses, text_schema
from workers.http.serializers import InputSerializer, PageInputSerializer, Pagination, page_serializer

TAG = ["assistant"]
ACTIONS = ["created", "updated", "completed", "deleted", "listed"]


@extend_schema_field(text_schema(max_length=MAX_MESSAGE_LENGTH))
class MessageField(TextField):
    """What the user says: any text but blank, line breaks allowed (the grammar reads them as spaces)."""


class ChatInputSerializer(InputSerializer):
    message = MessageField(
        max_length=MAX_MESSAGE_LENGTH,
        validators=[NO_NUL],
        help_text='What the user says, e.g. "pay rent every month on the last day, remind me a day before".',
    )
    conversation_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="The conversation it continues; left out or null, a new one.",
    )


class ActionOutputSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=ACTIONS, help_text="What was done to the task.")
    task = TaskOutputSerializer(help_text="The task as it was just after (for `deleted`, just before).")


@extend_schema_field(ActionOutputSerializer(many=True))
class ActionsField(serializers.JSONField):
    """A message's actions as stored: each task already as the API showed it (tasks_app.outputs)."""


@extend_schema_field(TaskOutputSerializer(many=True))
class ChoicesField(serializers.JSONField):
    """The tasks a question offered, as stored (tasks_app.outputs)."""


class MessageOutputSerializer(serializers.ModelSerializer[Message]):
    role = serializers.ChoiceField(choices=Message.Role.choices, read_only=True)
    content = serializers.CharField(
        read_only=True, help_text="The text; for a `tool` message, the tool's result as JSON."
    )
    actions = ActionsField(read_only=True, help_text="What this message did.")
    choices = ChoicesField(
        read_only=True,
        help_text="When an assistant's reply asks which task was meant: the tasks it offers, as they were "
        "then (answer with one's id while the conversation is `waiting`).",
    )

    class Meta:
        model = Message
        fields = ["id", "role", "content", "actions", "choices", "created_at"]
        read_only_fields = fields


class ConversationOutputSerializer(serializers.ModelSerializer[Conversation]):
    waiting = serializers.SerializerMethodField(
        help_text="Whether the assistant asked a question and waits for the answer (a task's number)."
    )

    class Meta:
        model = Conversation
        fields = ["id", "title", "waiting", "created_at", "updated_at"]
        read_only_fields = fields

    def get_waiting(self, conversation: Conversation) -> bool:
        return conversation.pending is not None


class ChatOutputSerializer(serializers.Serializer[Any]):
    conversation = ConversationOutputSerializer()
    message = MessageOutputSerializer(help_text="The user's message, as kept.")
    reply = MessageOutputSerializer(
        help_text="The assistant's answer, with the actions it performed and the choices it offers."
    )
    answered_by = serializers.ChoiceField(
        choices=[services.BUILT_IN, services.PROVIDER],
        help_text="`built_in`: the offline grammar; `provider`: the configured LLM provider.",
    )


ConversationPageSerializer = page_serializer("ConversationPageSerializer", ConversationOutputSerializer)
MessagePageSerializer = page_serializer("MessagePageSerializer", MessageOutputSerializer)


class AssistantApi(UserApi):
    def get_conversation(self, user_id: str, conversation_id: int) -> Conversation:
        try:
            return selectors.conversation_get(user_id=user_id, conversation_id=conversation_id)
        except Conversation.DoesNotExist as error:
            raise NotFound("Conversation not found.") from error

    def page(self, request: Request, items: Any, serializer: type[serializers.Serializer[Any]]) -> Response:
        PageInputSerializer(data=request.query_params).is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(serializer(page, many=True).data)


class ChatApi(AssistantApi):
    @extend_schema(
        operation_id="assistant_chat",
        tags=TAG,
        summary="Say something to the task assistant",
        description=(
            "The assistant reads the message (docs/assistant.md: quick add, list, complete, delete, rename, "
            "move) and acts on the user's tasks through the same services as the task API. When several "
            "tasks match the words naming one, it asks which (`choices`), and the next message may answer "
            "with the task's id."
        ),
        request=ChatInputSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            200: OpenApiResponse(
                ChatOutputSerializer, description="The reply, or the first one replayed for a repeated key."
            ),
            **error_responses(400, 401, 403, 404, described={404: "No such conversation of the user's."}),
        },
    )
    def post(self, request: Request, user_id: str) -> Response:
        serializer = ChatInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def answer() -> tuple[int, Any]:
            conversation_id = data["conversation_id"]
            conversation = (
                None if conversation_id is None else self.get_conversation(user_id, conversation_id)
            )
            turn = services.chat(
                user=user_get(user_id=user_id),
                conversation=conversation,
                message=data["message"],
                at=timezone.now(),
            )
            body = {
                "conversation": ConversationOutputSerializer(turn.conversation).data,
                "message": MessageOutputSerializer(turn.said).data,
                "reply": MessageOutputSerializer(turn.reply).data,
                "answered_by": turn.answered_by,
            }
            return status.HTTP_200_OK, body

        return respond_once(request, user_id, answer)


class ConversationListApi(AssistantApi):
    @extend_schema(
        operation_id="assistant_conversations_list",
        tags=TAG,
        summary="The user's conversations, the latest spoken in first",
        parameters=[PageInputSerializer],
        responses={200: ConversationPageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, user_id: str) -> Response:
        conversations = selectors.conversations_list(user_id=user_id)
        return self.page(request, conversations, ConversationOutputSerializer)


class ConversationDetailApi(AssistantApi):
    @extend_schema(
        operation_id="assistant_conversations_retrieve",
        tags=TAG,
        summary="One conversation",
        responses={200: ConversationOutputSerializer, **error_responses(401, 403, 404)},
    )
    def get(self, request: Request, user_id: str, conversation_id: int) -> Response:
        conversation = self.get_conversation(user_id, conversation_id)
        return Response(ConversationOutputSerializer(conversation).data)

    @extend_schema(
        operation_id="assistant_conversations_destroy",
        tags=TAG,
        summary="Delete a conversation and its messages (the tasks stay as they are)",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request: Request, user_id: str, conversation_id: int) -> Response:
        services.conversation_delete(conversation=self.get_conversation(user_id, conversation_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MessageListApi(AssistantApi):
    @extend_schema(
        operation_id="assistant_messages_list",
        tags=TAG,
        summary="A conversation's messages, newest first",
        parameters=[PageInputSerializer],
        responses={200: MessagePageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def get(self, request: Request, user_id: str, conversation_id: int) -> Response:
        conversation = self.get_conversation(user_id, conversation_id)
        return self.page(request, selectors.messages_list(conversation=conversation), MessageOutputSerializer)
