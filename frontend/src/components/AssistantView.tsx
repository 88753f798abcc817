"use client";
/**
 * The task assistant (assistant_app, docs/assistant.md): a chat in plain words ("buy milk tomorrow 5pm #home !high",
 * "done with report") whose replies show what was done as task cards. When several tasks match the words naming
 * one, the reply asks which and offers them, each with a button that answers with its number. The person's
 * conversations are listed to reopen (their messages read from the API) or delete.
 */
import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useRef, useState } from "react";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import type { ChatMessage, Conversation, Task } from "@/api/types";
import { useSignedIn } from "@/auth/AuthProvider";
import {
  afterTurn,
  answerWith,
  type Attempt,
  attemptFor,
  chatRequest,
  EXAMPLES,
  isLocal,
  loadMessages,
  mergeMessages,
  NEW_THREAD,
  openChoices,
  pendingMessage,
  type Thread,
  upsertConversation,
} from "@/lib/assistant";
import { formatDateTime } from "@/lib/datetime";
import { AssistantTaskCard } from "./AssistantTaskCard";
import { ConfirmDialog } from "./ConfirmDialog";
import { Empty, ErrorMessage, FieldErrors, Loading } from "./Status";

const CONVERSATIONS_PAGE_SIZE = 50;

/** The chat panel: a conversation (new, or opened from the list) and its state. `key` tells one opening from another. */
type Panel =
  | { kind: "ready"; key: number; thread: Thread }
  | { kind: "loading"; key: number; id: number }
  | { kind: "error"; key: number; id: number; problem: ProblemInfo };

type ConversationList =
  | { kind: "loading" }
  | { kind: "ready"; conversations: Conversation[]; nextPage: number | null }
  | { kind: "error"; problem: ProblemInfo };

export function AssistantView() {
  const { api, user, timeZone } = useSignedIn();
  const [list, setList] = useState<ConversationList>({ kind: "loading" });
  const [listVersion, setListVersion] = useState(0);
  const [moreProblem, setMoreProblem] = useState<ProblemInfo | null>(null);
  const [panel, setPanel] = useState<Panel>({ kind: "ready", key: 0, thread: NEW_THREAD });
  const openings = useRef(0);
  const [draft, setDraft] = useState("");
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<ProblemInfo | null>(null);
  // The last send that got no answer: sent again unchanged, it keeps its Idempotency-Key.
  const failed = useRef<Attempt | null>(null);
  const [earlier, setEarlier] = useState<{ busy: boolean; problem: ProblemInfo | null }>({ busy: false, problem: null });
  const [deleting, setDeleting] = useState<Conversation | null>(null);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteProblem, setDeleteProblem] = useState<ProblemInfo | null>(null);
  const [focusRequest, setFocusRequest] = useState(0);
  const input = useRef<HTMLTextAreaElement>(null);
  const composer = useRef<HTMLFormElement>(null);
  const reloadList = useCallback(() => {
    setList({ kind: "loading" });
    setListVersion((v) => v + 1);
  }, []);

  useEffect(() => {
    let cancelled = false;
    api
      .GET("/api/{user_id}/conversations", {
        params: { path: { user_id: user.id }, query: { page: 1, page_size: CONVERSATIONS_PAGE_SIZE } },
      })
      .then(({ data, error, response }) => {
        if (cancelled) return;
        if (data) setList({ kind: "ready", conversations: data.results, nextPage: data.next ? 2 : null });
        else setList({ kind: "error", problem: problemOf(error, response.status) });
      })
      .catch((error: unknown) => !cancelled && setList({ kind: "error", problem: networkProblem(error) }));
    return () => {
      cancelled = true;
    };
  }, [api, user.id, listVersion]);

  // The message box gets the focus when asked (a new conversation, an example) and back after an answer, unless the
  // person has moved it elsewhere meanwhile (while the box was disabled it was on nothing).
  useEffect(() => {
    if (focusRequest > 0) input.current?.focus();
  }, [focusRequest]);
  const wasSending = useRef(false);
  useEffect(() => {
    const answered = wasSending.current && !sending;
    wasSending.current = sending;
    if (answered && (document.activeElement === null || document.activeElement === document.body)) input.current?.focus();
  }, [sending]);

  const thread = panel.kind === "ready" ? panel.thread : null;
  const lastId = thread?.messages.at(-1)?.id;
  // A new message at the bottom (a turn, a conversation opened): the box and what is just above it in view.
  useEffect(() => {
    if (lastId !== undefined) composer.current?.scrollIntoView?.({ block: "nearest" });
  }, [lastId]);

  const updateConversations = (change: (conversations: Conversation[]) => Conversation[]) =>
    setList((current) => (current.kind === "ready" ? { ...current, conversations: change(current.conversations) } : current));

  function startNew() {
    openings.current += 1;
    setPanel({ kind: "ready", key: openings.current, thread: NEW_THREAD });
    setProblem(null);
    setEarlier({ busy: false, problem: null });
    failed.current = null;
    setFocusRequest((n) => n + 1);
  }

  async function open(id: number) {
    openings.current += 1;
    const key = openings.current;
    setPanel({ kind: "loading", key, id });
    setProblem(null);
    setEarlier({ busy: false, problem: null });
    failed.current = null;
    try {
      const [detail, page] = await Promise.all([
        api.GET("/api/{user_id}/conversations/{conversation_id}", {
          params: { path: { user_id: user.id, conversation_id: id } },
        }),
        loadMessages(api, user.id, id, 1),
      ]);
      if (openings.current !== key) return;
      const fail = (problem: ProblemInfo) => {
        // Deleted meanwhile (in another tab): it leaves the list too.
        if (problem.status === 404) updateConversations((conversations) => conversations.filter((c) => c.id !== id));
        setPanel({ kind: "error", key, id, problem });
      };
      if (!detail.data) return fail(problemOf(detail.error, detail.response.status));
      if (page.problem) return fail(page.problem);
      const conversation = detail.data;
      setPanel({
        kind: "ready",
        key,
        thread: { conversation, messages: page.messages, earlierPage: page.more ? 2 : null },
      });
      updateConversations((conversations) => upsertConversation(conversations, conversation));
    } catch (error) {
      if (openings.current === key) setPanel({ kind: "error", key, id, problem: networkProblem(error) });
    }
  }

  async function showEarlier() {
    if (panel.kind !== "ready" || !panel.thread.conversation || panel.thread.earlierPage === null) return;
    const { key } = panel;
    const { conversation, earlierPage } = panel.thread;
    setEarlier({ busy: true, problem: null });
    try {
      const page = await loadMessages(api, user.id, conversation.id, earlierPage);
      if (openings.current !== key) return;
      if (page.problem) {
        setEarlier({ busy: false, problem: page.problem });
        return;
      }
      setPanel((current) =>
        current.kind === "ready" && current.key === key
          ? {
              ...current,
              thread: {
                ...current.thread,
                messages: mergeMessages(current.thread.messages, page.messages),
                earlierPage: page.more ? earlierPage + 1 : null,
              },
            }
          : current,
      );
      setEarlier({ busy: false, problem: null });
    } catch (error) {
      if (openings.current === key) setEarlier({ busy: false, problem: networkProblem(error) });
    }
  }

  /** Says `text` in the open conversation (a new one when none); from the box, or a choice's answer. */
  async function send(text: string, fromBox: boolean) {
    if (panel.kind !== "ready" || sending) return;
    const { key } = panel;
    const body = chatRequest(text, panel.thread.conversation?.id ?? null);
    if (!body) return;
    const attempt = attemptFor(body, failed.current);
    const local = pendingMessage(body.message, panel.thread.messages);
    const inPanel = (change: (thread: Thread) => Thread) =>
      setPanel((current) => (current.kind === "ready" && current.key === key ? { ...current, thread: change(current.thread) } : current));
    setSending(true);
    setProblem(null);
    inPanel((current) => ({ ...current, messages: [...current.messages, local] }));
    if (fromBox) setDraft("");
    let failure: ProblemInfo | null = null;
    try {
      const { data, error, response } = await api.POST("/api/{user_id}/chat", {
        params: { path: { user_id: user.id }, header: { "Idempotency-Key": attempt.key } },
        body,
      });
      if (data) {
        failed.current = null;
        inPanel((current) => afterTurn(current, local.id, data));
        updateConversations((conversations) => upsertConversation(conversations, data.conversation));
      } else {
        failed.current = null; // refused: a corrected message is another request
        failure = problemOf(error, response.status);
      }
    } catch (error) {
      failed.current = attempt;
      failure = networkProblem(error);
    }
    if (failure) {
      // Not said after all: the words go back into the box (unless something was typed there meanwhile).
      inPanel((current) => ({ ...current, messages: current.messages.filter((message) => message.id !== local.id) }));
      if (fromBox) setDraft((current) => current || text);
      setProblem(failure);
    }
    setSending(false);
  }

  async function deleteConversation() {
    if (!deleting) return;
    const id = deleting.id;
    setDeleteBusy(true);
    setDeleteProblem(null);
    try {
      const { error, response } = await api.DELETE("/api/{user_id}/conversations/{conversation_id}", {
        params: { path: { user_id: user.id, conversation_id: id } },
      });
      if (response.ok || response.status === 404) {
        updateConversations((conversations) => conversations.filter((c) => c.id !== id));
        const shown = panel.kind === "ready" ? panel.thread.conversation?.id : panel.id;
        if (shown === id) startNew();
      } else setDeleteProblem(problemOf(error, response.status));
    } catch (error) {
      setDeleteProblem(networkProblem(error));
    }
    setDeleteBusy(false);
    setDeleting(null);
  }

  async function showOlderConversations() {
    if (list.kind !== "ready" || list.nextPage === null) return;
    const page = list.nextPage;
    setMoreProblem(null);
    try {
      const { data, error, response } = await api.GET("/api/{user_id}/conversations", {
        params: { path: { user_id: user.id }, query: { page, page_size: CONVERSATIONS_PAGE_SIZE } },
      });
      if (!data) return setMoreProblem(problemOf(error, response.status));
      setList((current) =>
        current.kind === "ready"
          ? { kind: "ready", conversations: data.results.reduce(upsertConversation, current.conversations), nextPage: data.next ? page + 1 : null }
          : current,
      );
    } catch (error) {
      setMoreProblem(networkProblem(error));
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void send(draft, true);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter is a new line; Enter that ends an input method's composition does neither.
    if (event.key !== "Enter" || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    event.currentTarget.form?.requestSubmit();
  }

  const openId = panel.kind === "ready" ? (panel.thread.conversation?.id ?? null) : panel.id;
  const messageErrors = problem?.fields.message;
  const choices = thread ? openChoices(thread) : null;
  const title = thread?.conversation?.title ?? (panel.kind === "ready" ? "New conversation" : "Conversation");
  return (
    <section>
      <div className="title-row">
        <h1>Assistant</h1>
        <button type="button" className="button button-primary" onClick={startNew} disabled={sending}>
          New conversation
        </button>
      </div>
      <div className="assistant">
        <section className="assistant-conversations" aria-labelledby="conversations-title">
          <h2 id="conversations-title">Conversations</h2>
          {list.kind === "loading" ? <Loading label="Loading your conversations…" /> : null}
          {list.kind === "error" ? <ErrorMessage problem={list.problem} onRetry={reloadList} /> : null}
          {deleteProblem ? <ErrorMessage problem={deleteProblem} /> : null}
          {list.kind === "ready" && list.conversations.length === 0 ? <p className="hint">No conversations yet.</p> : null}
          {list.kind === "ready" && list.conversations.length > 0 ? (
            <ul className="conversation-list">
              {list.conversations.map((conversation) => (
                <li key={conversation.id} className={conversation.id === openId ? "conversation conversation-open" : "conversation"}>
                  <button
                    type="button"
                    className="conversation-button"
                    aria-current={conversation.id === openId ? "true" : undefined}
                    disabled={sending}
                    onClick={() => void open(conversation.id)}
                  >
                    <span className="conversation-title">{conversation.title}</span>
                    <span className="hint">
                      <time dateTime={conversation.updated_at}>{formatDateTime(conversation.updated_at, { timeZone })}</time>
                      {conversation.waiting ? " · waiting for your answer" : ""}
                    </span>
                  </button>
                  <button
                    type="button"
                    className="button button-quiet"
                    disabled={sending}
                    onClick={() => {
                      setDeleteProblem(null);
                      setDeleting(conversation);
                    }}
                  >
                    Delete<span className="visually-hidden"> the conversation “{conversation.title}”</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          {moreProblem ? <ErrorMessage problem={moreProblem} /> : null}
          {list.kind === "ready" && list.nextPage !== null ? (
            <button type="button" className="button" onClick={() => void showOlderConversations()}>
              Show older conversations
            </button>
          ) : null}
        </section>

        <section className="assistant-chat" aria-labelledby="chat-title">
          <h2 id="chat-title">{title}</h2>
          {panel.kind === "loading" ? <Loading label="Loading the conversation…" /> : null}
          {panel.kind === "error" ? (
            <ErrorMessage problem={panel.problem} onRetry={panel.problem.status === 404 ? undefined : () => void open(panel.id)}>
              {panel.problem.status === 404 ? <p>This conversation no longer exists.</p> : null}
            </ErrorMessage>
          ) : null}
          {thread ? (
            <>
              {thread.earlierPage !== null ? (
                <div className="actions">
                  <button type="button" className="button" onClick={() => void showEarlier()} disabled={earlier.busy || sending}>
                    {earlier.busy ? "Loading earlier messages…" : "Show earlier messages"}
                  </button>
                </div>
              ) : null}
              {earlier.problem ? <ErrorMessage problem={earlier.problem} /> : null}
              <div className="chat-log" role="log" aria-live="polite" aria-labelledby="chat-title">
                {thread.messages.length ? (
                  <ol className="chat-messages">
                    {thread.messages.map((message) => (
                      <MessageItem
                        key={message.id}
                        message={message}
                        choices={message.choices}
                        answering={choices?.replyId === message.id ? (task) => void send(answerWith(task), false) : null}
                        pending={sending && isLocal(message) && message.id === lastId}
                        timeZone={timeZone}
                      />
                    ))}
                  </ol>
                ) : null}
              </div>
              {sending ? <Loading label="The assistant is answering…" /> : null}
              {thread.messages.length === 0 && !sending ? (
                <Empty>
                  <p>Tell the assistant what to do with your tasks, in your own words. For example:</p>
                  <ul className="examples" aria-label="Examples">
                    {EXAMPLES.map((example) => (
                      <li key={example}>
                        <button
                          type="button"
                          className="button"
                          onClick={() => {
                            setDraft(example);
                            setFocusRequest((n) => n + 1);
                          }}
                        >
                          {example}
                        </button>
                      </li>
                    ))}
                  </ul>
                </Empty>
              ) : null}
              <form ref={composer} className="form chat-composer" onSubmit={submit} aria-busy={sending}>
                {problem && !messageErrors ? <ErrorMessage problem={problem} /> : null}
                <div className="field">
                  <label htmlFor="assistant-message">Message</label>
                  <textarea
                    id="assistant-message"
                    ref={input}
                    rows={2}
                    value={draft}
                    disabled={sending}
                    onChange={(event) => setDraft(event.target.value)}
                    onKeyDown={onKeyDown}
                    aria-invalid={messageErrors ? true : undefined}
                    aria-describedby={messageErrors ? "assistant-message-error assistant-message-hint" : "assistant-message-hint"}
                  />
                  <p className="hint" id="assistant-message-hint">
                    Enter sends, Shift+Enter starts a new line.
                    {thread.conversation?.waiting && !choices ? " The assistant waits for a task’s number, e.g. #12." : ""}
                  </p>
                  <FieldErrors id="assistant-message-error" messages={messageErrors} />
                </div>
                <div className="actions">
                  <button type="submit" className="button button-primary" disabled={sending || !draft.trim()}>
                    {sending ? "Sending…" : "Send"}
                  </button>
                </div>
              </form>
            </>
          ) : null}
        </section>
      </div>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this conversation?"
        confirmLabel="Delete conversation"
        busy={deleteBusy}
        onConfirm={() => void deleteConversation()}
        onCancel={() => setDeleting(null)}
      >
        <p>“{deleting?.title}” and its messages will be deleted for good; your tasks stay as they are.</p>
      </ConfirmDialog>
    </section>
  );
}

const AUTHORS: Record<ChatMessage["role"], string> = { user: "You", assistant: "Assistant", tool: "Tool" };

/** One message: who said it and when, the words, and the tasks the reply acted on or offers to choose from. */
function MessageItem({
  message,
  choices,
  answering,
  pending,
  timeZone,
}: {
  message: ChatMessage;
  choices: Task[] | undefined;
  /** Answers the question with a task, while this message is the question waiting for its answer. */
  answering: ((task: Task) => void) | null;
  /** Said and not yet answered. */
  pending: boolean;
  timeZone: string;
}) {
  return (
    <li className={`chat-message chat-message-${message.role}`}>
      <p className="chat-author">
        {AUTHORS[message.role]}{" "}
        <time className="hint" dateTime={message.created_at}>
          {formatDateTime(message.created_at, { timeZone })}
        </time>
        {pending ? <span className="hint"> · sending</span> : null}
      </p>
      {message.role === "tool" ? (
        <details className="chat-tool">
          <summary>Tool result</summary>
          <pre>{message.content}</pre>
        </details>
      ) : (
        <p className="chat-text">{message.content}</p>
      )}
      {message.role !== "tool" && message.actions.length ? (
        <ul className="task-cards" aria-label="What the assistant did">
          {message.actions.map((done, index) => (
            <li key={index}>
              <AssistantTaskCard task={done.task} action={done.action} timeZone={timeZone} />
            </li>
          ))}
        </ul>
      ) : null}
      {choices?.length ? (
        <ul className="task-cards" aria-label="Tasks to choose from">
          {choices.map((task) => (
            <li key={task.id}>
              <AssistantTaskCard task={task} timeZone={timeZone}>
                {answering ? (
                  <div className="actions">
                    <button type="button" className="button" onClick={() => answering(task)}>
                      Choose<span className="visually-hidden"> “{task.title}” (#{task.id})</span>
                    </button>
                  </div>
                ) : null}
              </AssistantTaskCard>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
