/**
 * The tab's live updates (docs/live-updates.md): one stream of the signed-in user's task changes,
 * `GET /api/{user_id}/events` (Server-Sent Events, forwarded to the live-updates server by the UI's route handler),
 * read with `fetch` so that it carries `Authorization: Bearer <JWT>` like every API call; EventSource cannot send
 * that header.
 *
 * - SseParser: the Server-Sent Events wire format, fed text as it arrives (a chunk may end anywhere, even between
 *   the CR and LF of a line break).
 * - LiveUpdates: the connection. It remembers the last `id` and sends it back as `Last-Event-ID`, so a reconnection
 *   resumes where the stream stopped; it reconnects when the stream ends or fails, after the server's `retry`,
 *   doubled after each failure in a row (capped, with jitter); on a 401 it fetches a fresh token and tries again at
 *   once; it gives up only when signed out or stopped. Pages subscribe to its messages and its status.
 * - coalesce: a burst of messages costs one reload.
 */
import type { Task } from "@/api/types";
import type { TokenHolder } from "@/auth/token";

export interface SseEvent {
  /** The last `id` seen on the stream (it carries over to later events without one). */
  id: string;
  /** The `event` field, "message" without one. */
  event: string;
  data: string;
}

export interface SseHandlers {
  event: (event: SseEvent) => void;
  /** A `retry` field: how long (ms) to wait before reconnecting. */
  retry?: (ms: number) => void;
}

export class SseParser {
  /** The stream's position: the `id` of the last complete event (with or without data). */
  lastEventId = "";
  private pending = "";
  /** The last chunk ended with a CR: a LF at the start of the next one belongs to the same line break. */
  private afterCR = false;
  private id: string | null = null;
  private data: string[] = [];
  private type = "";

  constructor(private readonly handlers: SseHandlers) {}

  push(text: string): void {
    if (!text) return;
    const input = this.pending + (this.afterCR && text.startsWith("\n") ? text.slice(1) : text);
    this.afterCR = false;
    const lineBreak = /\r\n|\r|\n/g;
    let start = 0;
    for (let match = lineBreak.exec(input); match; match = lineBreak.exec(input)) {
      this.line(input.slice(start, match.index));
      start = lineBreak.lastIndex;
      if (match[0] === "\r" && start === input.length) this.afterCR = true;
    }
    this.pending = input.slice(start);
  }

  private line(line: string): void {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return; // a comment (`: heartbeat`)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const raw = colon < 0 ? "" : line.slice(colon + 1);
    const value = raw.startsWith(" ") ? raw.slice(1) : raw;
    if (field === "data") this.data.push(value);
    else if (field === "event") this.type = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    else if (field === "retry" && /^\d+$/.test(value)) this.handlers.retry?.(Number(value));
  }

  /** A blank line ends the event: an `id` counts only then (a stream cut in the middle of an event never moves it). */
  private dispatch(): void {
    const data = this.data;
    const type = this.type;
    if (this.id !== null) this.lastEventId = this.id;
    this.id = null;
    this.data = [];
    this.type = "";
    if (data.length) this.handlers.event({ id: this.lastEventId, event: type || "message", data: data.join("\n") });
  }
}

export type TaskChangeType = "task.created" | "task.updated" | "task.deleted";

/** A change of one task: `task` as GET /api/{user_id}/tasks/{id} showed it when published, null once deleted. */
export interface TaskChange {
  type: TaskChangeType;
  event_id: string;
  task_id: number;
  changed?: string[];
  occurred_at: string;
  task: Task | null;
}

/** Changes were missed (the backlog no longer holds them, or the stream could not resume): reload the data. */
export interface Resync {
  type: "resync";
  reason: string;
}

export type LiveMessage = TaskChange | Resync;

const CHANGE_TYPES: readonly string[] = ["task.created", "task.updated", "task.deleted"] satisfies TaskChangeType[];

/** The message an event carries, or null for one this UI does not know (or cannot read). */
export function liveMessage(event: SseEvent): LiveMessage | null {
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    data = null;
  }
  const fields = data && typeof data === "object" ? (data as Record<string, unknown>) : {};
  if (event.event === "resync") return { type: "resync", reason: typeof fields.reason === "string" ? fields.reason : "" };
  if (!CHANGE_TYPES.includes(event.event) || typeof fields.task_id !== "number") return null;
  return { ...(fields as unknown as TaskChange), type: event.event as TaskChangeType, task: (fields.task ?? null) as Task | null };
}

/** Until the server's `retry` says otherwise. */
export const DEFAULT_RETRY_MS = 1_000;
/** The longest wait between two attempts. */
export const MAX_RETRY_MS = 30_000;
/** Nothing read for this long (the server writes a heartbeat every 15 s): the connection is dead, make another. */
export const IDLE_TIMEOUT_MS = 45_000;
/** How long a page collects messages before it reloads once for all of them. */
export const LIVE_RELOAD_DELAY_MS = 150;

/**
 * The wait before the next attempt after `failures` in a row (1: the stream ended, or the first attempt failed):
 * the server's `retry` doubled for each further failure, plus up to half again of jitter (so that the tabs a
 * restarted server dropped do not all come back at once), never more than `maxMs`.
 */
export function reconnectDelay(failures: number, retryMs: number, random: () => number = Math.random, maxMs: number = MAX_RETRY_MS): number {
  const base = retryMs * 2 ** Math.max(0, failures - 1);
  return Math.min(maxMs, Math.round(base * (1 + random() / 2)));
}

/** "off": not following anyone; "connecting": before the first stream opened; "live": a stream is open. */
export type LiveStatus = "off" | "connecting" | "live" | "reconnecting";

export interface LiveOptions {
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  random?: () => number;
  maxRetryMs?: number;
  idleTimeoutMs?: number;
}

/** What a run (from start() to stop()) knows across its streams. */
interface Run {
  userId: string;
  /** The position to resume from ("" before the first change). */
  lastEventId: string;
  retryMs: number;
  /** Whether one of its streams has opened yet. */
  opened: boolean;
}

type Attempt = "ended" | "failed" | "signed-out";

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

export class LiveUpdates {
  private readonly listeners = new Set<(message: LiveMessage) => void>();
  private readonly statusListeners = new Set<() => void>();
  private current: LiveStatus = "off";
  private running: AbortController | null = null;

  constructor(
    private readonly tokens: Pick<TokenHolder, "get" | "refresh">,
    private readonly options: LiveOptions = {},
  ) {}

  /** Follows `userId`'s changes until stop() (a stream followed so far, for anyone, is stopped first). */
  start(userId: string): void {
    this.stop();
    const controller = new AbortController();
    this.running = controller;
    this.setStatus("connecting", controller.signal);
    void this.follow(userId, controller.signal);
  }

  stop(): void {
    this.running?.abort();
    this.running = null;
    this.setStatus("off");
  }

  readonly subscribe = (listener: (message: LiveMessage) => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly status = (): LiveStatus => this.current;

  readonly subscribeStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  private async follow(userId: string, signal: AbortSignal): Promise<void> {
    const run: Run = { userId, lastEventId: "", retryMs: DEFAULT_RETRY_MS, opened: false };
    let failures = 0;
    for (;;) {
      const outcome = await this.attempt(run, signal);
      if (signal.aborted) return;
      if (outcome === "signed-out") return this.setStatus("off", signal);
      failures = outcome === "ended" ? 1 : failures + 1;
      this.setStatus(run.opened ? "reconnecting" : "connecting", signal);
      await pause(reconnectDelay(failures, run.retryMs, this.options.random, this.options.maxRetryMs), signal);
      if (signal.aborted) return;
    }
  }

  /** One stream, from its request to its end. */
  private async attempt(run: Run, signal: AbortSignal): Promise<Attempt> {
    // Its own abort: the run's stop, or nothing read for too long.
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener("abort", abort, { once: true });
    const idleMs = this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let opened = false;
    try {
      const send = (token: string) => {
        const headers: Record<string, string> = { Accept: "text/event-stream", Authorization: `Bearer ${token}` };
        if (run.lastEventId) headers["Last-Event-ID"] = run.lastEventId;
        const fetchImpl = this.options.fetch ?? ((url, init) => fetch(url, init));
        return fetchImpl(`/api/${encodeURIComponent(run.userId)}/events`, { headers, cache: "no-store", signal: controller.signal });
      };
      const token = await this.tokens.get();
      if (!token) return "signed-out";
      let response = await send(token);
      if (response.status === 401) {
        // The token expired (a tab that slept): a fresh one, and at once.
        void response.body?.cancel();
        const fresh = await this.tokens.refresh();
        if (!fresh) return "signed-out";
        response = await send(fresh);
      }
      if (!response.ok || !response.body || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
        void response.body?.cancel();
        return "failed";
      }
      if (signal.aborted) return "ended";
      // A stream that cannot resume (no position yet) may have missed changes since the last one ended.
      const missed = run.opened && !run.lastEventId;
      opened = run.opened = true;
      this.setStatus("live", signal);
      if (missed) this.emit({ type: "resync", reason: "Reconnected without a position to resume from." });

      const parser = new SseParser({
        event: (event) => {
          const message = liveMessage(event);
          if (message && !signal.aborted) this.emit(message);
        },
        retry: (ms) => (run.retryMs = ms),
      });
      parser.lastEventId = run.lastEventId;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const watch = () => {
        clearTimeout(idle);
        idle = setTimeout(abort, idleMs);
      };
      watch();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        watch();
        parser.push(decoder.decode(value, { stream: true }));
        run.lastEventId = parser.lastEventId;
      }
      return "ended";
    } catch {
      return opened ? "ended" : "failed"; // a stream cut (or found dead) is an end; anything before it a failure
    } finally {
      clearTimeout(idle);
      signal.removeEventListener("abort", abort);
      controller.abort(); // the body, if it is still open
    }
  }

  private emit(message: LiveMessage): void {
    for (const listener of [...this.listeners]) listener(message);
  }

  /** Changes the status, unless it is about a run that was stopped meanwhile. */
  private setStatus(status: LiveStatus, signal?: AbortSignal): void {
    if (signal?.aborted || status === this.current) return;
    this.current = status;
    for (const listener of [...this.statusListeners]) listener();
  }
}

/** `callback` once, `delayMs` after the first of a burst of calls; `cancel()` drops a call still waiting. */
export function coalesce(callback: () => void, delayMs: number = LIVE_RELOAD_DELAY_MS): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const call = () => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      callback();
    }, delayMs);
  };
  call.cancel = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  return call;
}
