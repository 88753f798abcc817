/**
 * The task assistant's chat (assistant_app, docs/assistant.md): what the panel sends (`POST /api/{user_id}/chat`)
 * and the conversation it shows. The API lists a conversation's messages newest first, page by page; the panel
 * shows them oldest first and adds each turn it takes part in (the user's message as stored and the reply, both in
 * the chat's answer) without reading the page again. Until the answer comes, the user's words show as typed (a
 * local message, with a negative id).
 */
import type { ApiClient } from "@/api/client";
import { type ProblemInfo, problemOf } from "@/api/errors";
import type { ActionKind, ChatInput, ChatMessage, ChatOutput, Conversation, Task } from "@/api/types";

/** Messages per page read from the API (its maximum). */
export const MESSAGES_PAGE_SIZE = 100;

/** Phrases an empty conversation offers (docs/assistant.md's table). */
export const EXAMPLES: readonly string[] = [
  "buy milk tomorrow 5pm #home !high",
  "pay rent every month on the last day, remind me a day before",
  "standup every weekday at 9:30",
  "list #work",
  "what's due today",
  "done with report",
  "move report to friday 3pm",
];

export const ACTION_LABELS: Record<ActionKind, string> = {
  created: "Created",
  updated: "Updated",
  completed: "Completed",
  deleted: "Deleted",
  listed: "Listed",
};

/** The chat request for what the user typed, in a conversation (null: a new one); null when there are no words. */
export function chatRequest(text: string, conversationId: number | null): ChatInput | null {
  const message = text.trim();
  if (!message) return null;
  return conversationId === null ? { message } : { message, conversation_id: conversationId };
}

/** What answers the assistant's question with one of the tasks it offered: the task's number. */
export function answerWith(task: Pick<Task, "id">): string {
  return `#${task.id}`;
}

/** A request and the Idempotency-Key it was sent with. */
export interface Attempt {
  body: ChatInput;
  key: string;
}

/**
 * The key of a send: the failed attempt's when the same words go to the same conversation again (the first one may
 * have been carried out and only its answer lost: the API then replays it rather than adding a second task), else
 * a new one.
 */
export function attemptFor(body: ChatInput, failed: Attempt | null, newKey: () => string = () => crypto.randomUUID()): Attempt {
  const same =
    failed !== null && failed.body.message === body.message && (failed.body.conversation_id ?? null) === (body.conversation_id ?? null);
  return { body, key: same ? failed.key : newKey() };
}

/** Oldest first: by creation, then by id (a turn's messages share their instant; the user's words come first). */
export function byAge(a: Pick<ChatMessage, "created_at" | "id">, b: Pick<ChatMessage, "created_at" | "id">): number {
  const at = Date.parse(a.created_at) - Date.parse(b.created_at);
  return at !== 0 ? at : a.id - b.id;
}

/** The user's words as the panel shows them from the moment they are sent until the answer: a local message, with a
 * negative id of its own. */
export function pendingMessage(content: string, shown: readonly Pick<ChatMessage, "id">[], now: Date = new Date()): ChatMessage {
  const id = Math.min(0, ...shown.map((message) => message.id)) - 1;
  return { id, role: "user", content, actions: [], choices: [], created_at: now.toISOString() };
}

export function isLocal(message: Pick<ChatMessage, "id">): boolean {
  return message.id < 0;
}

/**
 * The messages shown and those just read (a page, or a turn), oldest first: each message once (by id; the newer
 * copy wins: pages shift as messages are added, so two pages may share some).
 */
export function mergeMessages(shown: readonly ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
  const byId = new Map<number, ChatMessage>();
  for (const message of [...shown, ...incoming]) byId.set(message.id, message);
  return [...byId.values()].sort(byAge);
}

/** A conversation as the panel holds it: its messages oldest first. */
export interface Thread {
  /** null until its first message is answered. */
  conversation: Conversation | null;
  messages: ChatMessage[];
  /** The next page of earlier messages, when there is one. */
  earlierPage: number | null;
}

export const NEW_THREAD: Thread = { conversation: null, messages: [], earlierPage: null };

/**
 * The thread after a turn: the pending message `localId` replaced by the user's message as the API keeps it, the
 * reply added, and the conversation as the API now has it.
 */
export function afterTurn(thread: Thread, localId: number, turn: ChatOutput): Thread {
  return {
    ...thread,
    conversation: turn.conversation,
    messages: mergeMessages(
      thread.messages.filter((message) => message.id !== localId),
      [turn.message, turn.reply],
    ),
  };
}

/** The tasks offered by the question that waits for its answer: the last message's, while the conversation waits. */
export function openChoices(thread: Thread): { replyId: number; tasks: Task[] } | null {
  const last = thread.messages.at(-1);
  if (!thread.conversation?.waiting || !last || last.role !== "assistant") return null;
  return last.choices.length ? { replyId: last.id, tasks: [...last.choices] } : null;
}

/** The list with this conversation in it (replaced, or added), in the API's order: the latest spoken in first. */
export function upsertConversation(list: readonly Conversation[], conversation: Conversation): Conversation[] {
  return [...list.filter((c) => c.id !== conversation.id), conversation].sort(
    (a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at) || b.id - a.id,
  );
}

export interface MessagesResult {
  messages: ChatMessage[];
  /** Whether a later page (earlier messages) follows. */
  more: boolean;
  problem: ProblemInfo | null;
}

/** One page of a conversation's messages (page 1: the newest), oldest first. */
export async function loadMessages(api: ApiClient, userId: string, conversationId: number, page: number): Promise<MessagesResult> {
  const { data, error, response } = await api.GET("/api/{user_id}/conversations/{conversation_id}/messages", {
    params: { path: { user_id: userId, conversation_id: conversationId }, query: { page, page_size: MESSAGES_PAGE_SIZE } },
  });
  if (!data) return { messages: [], more: false, problem: problemOf(error, response.status) };
  return { messages: [...data.results].sort(byAge), more: data.next !== null, problem: null };
}
