// The assistant's chat (src/lib/assistant.ts): the request a message makes, the key a repeated send keeps, the
// messages of a conversation oldest first across pages (newest first from the API) and turns, and the list of
// conversations in the API's order.
import { describe, expect, it } from "vitest";
import type { ChatMessage, ChatOutput, Conversation, Task } from "@/api/types";
import {
  afterTurn,
  answerWith,
  attemptFor,
  byAge,
  chatRequest,
  loadMessages,
  mergeMessages,
  NEW_THREAD,
  openChoices,
  pendingMessage,
  type Thread,
  upsertConversation,
} from "@/lib/assistant";
import type { ApiClient } from "@/api/client";

const message = (id: number, role: ChatMessage["role"], created_at: string, content = `message ${id}`, choices: Task[] = []): ChatMessage => ({
  id,
  role,
  content,
  actions: [],
  choices,
  created_at,
});

const conversation = (id: number, updated_at: string, waiting = false): Conversation => ({
  id,
  title: `conversation ${id}`,
  waiting,
  created_at: "2031-05-01T08:00:00Z",
  updated_at,
});

const task = (id: number, title: string): Task => ({ id, title }) as Task;

const turn = (said: ChatMessage, reply: ChatMessage, about: Conversation): ChatOutput => ({
  conversation: about,
  message: said,
  reply,
  answered_by: "built_in",
});

describe("chatRequest", () => {
  it("sends the words trimmed, in the conversation when there is one", () => {
    expect(chatRequest("  buy milk tomorrow 5pm #home !high \n", null)).toEqual({ message: "buy milk tomorrow 5pm #home !high" });
    expect(chatRequest("list #work", 7)).toEqual({ message: "list #work", conversation_id: 7 });
  });

  it("sends nothing without words", () => {
    expect(chatRequest("", 7)).toBeNull();
    expect(chatRequest(" \n\t", null)).toBeNull();
  });

  it("answers a question with the task's number", () => {
    expect(answerWith({ id: 12 })).toBe("#12");
  });
});

describe("attemptFor", () => {
  const keys = () => {
    let n = 0;
    return () => `key-${++n}`;
  };

  it("keeps the failed attempt's key for the same words in the same conversation", () => {
    const next = keys();
    const failed = attemptFor({ message: "buy milk", conversation_id: 3 }, null, next);
    expect(failed.key).toBe("key-1");
    expect(attemptFor({ message: "buy milk", conversation_id: 3 }, failed, next).key).toBe("key-1");
    expect(attemptFor({ message: "buy milk" }, attemptFor({ message: "buy milk", conversation_id: null }, null, next), next).key).toBe("key-2");
  });

  it("takes a new key for other words, another conversation, or after no failure", () => {
    const next = keys();
    const failed = attemptFor({ message: "buy milk", conversation_id: 3 }, null, next);
    expect(attemptFor({ message: "buy bread", conversation_id: 3 }, failed, next).key).toBe("key-2");
    expect(attemptFor({ message: "buy milk", conversation_id: 4 }, failed, next).key).toBe("key-3");
    expect(attemptFor({ message: "buy milk" }, failed, next).key).toBe("key-4");
    expect(attemptFor({ message: "buy milk", conversation_id: 3 }, null, next).key).toBe("key-5");
  });
});

describe("messages oldest first", () => {
  it("orders by instant, then by id within a turn", () => {
    const page = [
      message(6, "assistant", "2031-05-01T08:02:00.000001Z"),
      message(5, "user", "2031-05-01T08:02:00.000001Z"),
      message(4, "assistant", "2031-05-01T08:01:00Z"),
      message(3, "tool", "2031-05-01T08:01:00Z"),
      message(2, "user", "2031-05-01T08:01:00Z"),
    ];
    expect([...page].sort(byAge).map((m) => m.id)).toEqual([2, 3, 4, 5, 6]);
  });

  it("merges an earlier page (overlapping: the pages moved as messages were added) without repeats", () => {
    const newest = [message(5, "user", "2031-05-01T08:03:00Z"), message(6, "assistant", "2031-05-01T08:03:00Z")];
    const earlier = [message(3, "user", "2031-05-01T08:02:00Z"), message(4, "assistant", "2031-05-01T08:02:00Z"), message(5, "user", "2031-05-01T08:03:00Z")];
    expect(mergeMessages(newest, earlier).map((m) => m.id)).toEqual([3, 4, 5, 6]);
  });

  it("loads a page and shows it oldest first, saying whether earlier messages follow", async () => {
    const calls: unknown[] = [];
    const api = {
      GET: async (path: string, init: unknown) => {
        calls.push([path, init]);
        return {
          data: {
            count: 3,
            next: "http://x/?page=2",
            previous: null,
            results: [message(9, "assistant", "2031-05-01T08:03:00Z"), message(8, "user", "2031-05-01T08:03:00Z"), message(7, "assistant", "2031-05-01T08:02:00Z")],
          },
          error: undefined,
          response: new Response(null, { status: 200 }),
        };
      },
    } as unknown as ApiClient;
    const result = await loadMessages(api, "u1", 4, 1);
    expect(result.messages.map((m) => m.id)).toEqual([7, 8, 9]);
    expect(result.more).toBe(true);
    expect(result.problem).toBeNull();
    expect(calls).toEqual([
      ["/api/{user_id}/conversations/{conversation_id}/messages", { params: { path: { user_id: "u1", conversation_id: 4 }, query: { page: 1, page_size: 100 } } }],
    ]);
  });

  it("says why a page could not be read", async () => {
    const api = {
      GET: async () => ({
        data: undefined,
        error: { error: { code: "not_found", message: "Conversation not found." } },
        response: new Response(null, { status: 404 }),
      }),
    } as unknown as ApiClient;
    const result = await loadMessages(api, "u1", 4, 1);
    expect(result).toMatchObject({ messages: [], more: false, problem: { status: 404, message: "Conversation not found." } });
  });
});

describe("a turn", () => {
  const opened: Thread = {
    ...NEW_THREAD,
    conversation: conversation(4, "2031-05-01T08:01:00Z"),
    messages: [message(1, "user", "2031-05-01T08:01:00Z"), message(2, "assistant", "2031-05-01T08:01:00Z")],
  };

  it("shows the words sent at once, as a local message after the others", () => {
    const local = pendingMessage("complete report", opened.messages, new Date("2031-05-01T08:05:00Z"));
    expect(local).toEqual({ id: -1, role: "user", content: "complete report", actions: [], choices: [], created_at: "2031-05-01T08:05:00.000Z" });
    expect(pendingMessage("again", [...opened.messages, local]).id).toBe(-2);
  });

  it("replaces the local words with the message as kept, adds the reply with its choices and the conversation", () => {
    const local = pendingMessage("complete report", opened.messages);
    const said = message(3, "user", "2031-05-01T08:05:00.123456Z", "complete report");
    const choices = [task(10, "annual report"), task(11, "report slides")];
    const reply = message(4, "assistant", "2031-05-01T08:05:00.123456Z", 'Which "report" task: #10 or #11? Answer with its number.', choices);
    const waiting = conversation(4, "2031-05-01T08:05:00.123456Z", true);
    const after = afterTurn({ ...opened, messages: [...opened.messages, local] }, local.id, turn(said, reply, waiting));
    expect(after.messages.map((m) => [m.id, m.role, m.created_at])).toEqual([
      [1, "user", "2031-05-01T08:01:00Z"],
      [2, "assistant", "2031-05-01T08:01:00Z"],
      [3, "user", "2031-05-01T08:05:00.123456Z"],
      [4, "assistant", "2031-05-01T08:05:00.123456Z"],
    ]);
    expect(after.conversation).toBe(waiting);
    expect(openChoices(after)).toEqual({ replyId: 4, tasks: choices });

    // Answered: the question no longer waits, its choices stay with it but are no longer open.
    const answer = pendingMessage("#10", after.messages);
    const done = message(6, "assistant", "2031-05-01T08:06:00Z", 'Completed "annual report" (#10).');
    const answered = afterTurn(
      { ...after, messages: [...after.messages, answer] },
      answer.id,
      turn(message(5, "user", "2031-05-01T08:06:00Z", "#10"), done, conversation(4, "2031-05-01T08:06:00Z")),
    );
    expect(answered.messages.find((m) => m.id === 4)?.choices).toEqual(choices);
    expect(openChoices(answered)).toBeNull();
    expect(answered.messages.map((m) => m.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("keeps each message once when pages overlap", () => {
    const page = [message(2, "assistant", "2031-05-01T08:01:00Z"), message(3, "user", "2031-05-01T08:05:00Z", "buy milk")];
    expect(mergeMessages(opened.messages, page).map((m) => m.id)).toEqual([1, 2, 3]);
  });

  it("offers the choices of a conversation reopened while it waits, from its last reply as kept", () => {
    const choices = [task(10, "annual report")];
    const asked = message(2, "assistant", "2031-05-01T08:01:00Z", "Which?", choices);
    const reopened = { ...opened, conversation: conversation(4, "2031-05-01T08:01:00Z", true), messages: [message(1, "user", "2031-05-01T08:01:00Z"), asked] };
    expect(openChoices(reopened)).toEqual({ replyId: 2, tasks: choices });
    expect(openChoices({ ...reopened, conversation: conversation(4, "2031-05-01T08:01:00Z", false) })).toBeNull();
  });
});

describe("upsertConversation", () => {
  it("puts the conversation just spoken in first, once", () => {
    const list = [conversation(3, "2031-05-01T09:00:00Z"), conversation(2, "2031-05-01T08:00:00Z"), conversation(1, "2031-05-01T08:00:00Z")];
    expect(upsertConversation(list, conversation(1, "2031-05-01T10:00:00Z", true)).map((c) => [c.id, c.waiting])).toEqual([
      [1, true],
      [3, false],
      [2, false],
    ]);
    expect(upsertConversation(list, conversation(4, "2031-05-01T08:00:00Z")).map((c) => c.id)).toEqual([3, 4, 2, 1]);
  });
});
