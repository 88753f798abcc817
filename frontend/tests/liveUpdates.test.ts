import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Task } from "@/api/types";
import {
  coalesce,
  type LiveMessage,
  liveMessage,
  LiveUpdates,
  reconnectDelay,
  type SseEvent,
  SseParser,
  type TaskChange,
} from "@/lib/liveUpdates";
import { changedTask } from "@/lib/useTask";

function parse(chunks: readonly string[]): { events: SseEvent[]; retries: number[]; lastEventId: string } {
  const events: SseEvent[] = [];
  const retries: number[] = [];
  const parser = new SseParser({ event: (event) => events.push(event), retry: (ms) => retries.push(ms) });
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries, lastEventId: parser.lastEventId };
}

const SAMPLE =
  "retry: 1000\r\n: connected\r\n\r\n" +
  'id: 1764660000000-0\nevent: task.updated\ndata: {"type":"task.updated",\ndata: "task_id":12}\n\n' +
  ": heartbeat\r\r" +
  'id: 1764660000001-0\revent: task.deleted\rdata: {"task_id":12,"task":null}\r\r' +
  "data:no space\ndata:  two spaces\ndata\n\n";

const SAMPLE_EVENTS: SseEvent[] = [
  { id: "1764660000000-0", event: "task.updated", data: '{"type":"task.updated",\n"task_id":12}' },
  { id: "1764660000001-0", event: "task.deleted", data: '{"task_id":12,"task":null}' },
  { id: "1764660000001-0", event: "message", data: "no space\n two spaces\n" },
];

describe("SseParser", () => {
  it("reads events, comments, multi-line data and retry, with LF, CRLF and CR line breaks", () => {
    expect(parse([SAMPLE])).toEqual({ events: SAMPLE_EVENTS, retries: [1000], lastEventId: "1764660000001-0" });
  });

  it("reads the same however the text is cut into chunks, even between a CR and its LF", () => {
    for (let cut = 0; cut <= SAMPLE.length; cut += 1) {
      expect(parse([SAMPLE.slice(0, cut), SAMPLE.slice(cut)]).events, `cut at ${cut}`).toEqual(SAMPLE_EVENTS);
    }
    expect(parse([...SAMPLE]).events).toEqual(SAMPLE_EVENTS); // one character at a time
    // A CR ending one chunk and a LF starting the next are one line break, not a blank line between two lines.
    expect(parse(["data: a\r", "\ndata: b\r", "\n\r", "\n"]).events).toEqual([{ id: "", event: "message", data: "a\nb" }]);
  });

  it("moves the position only with a complete event, with or without data", () => {
    expect(parse(["id: 1-0\nevent: task.created\ndata: {}"]).lastEventId).toBe(""); // cut before its blank line
    expect(parse(["id: 2-0\n\n"])).toEqual({ events: [], retries: [], lastEventId: "2-0" });
    expect(parse(["id: 1-0\n\nid: bad\0id\ndata: x\n\n"]).events).toEqual([{ id: "1-0", event: "message", data: "x" }]);
  });

  it("ignores a retry that is not a number, and fields it does not know", () => {
    expect(parse(["retry: soon\nretry: 1.5\nfoo: bar\ndata: x\n\n"])).toEqual({
      events: [{ id: "", event: "message", data: "x" }],
      retries: [],
      lastEventId: "",
    });
  });
});

const TASK = { id: 12, title: "Water the plants", updated_at: "2026-12-02T07:11:15.388000Z" } as Task;

describe("liveMessage", () => {
  it("reads changes and resyncs; anything else is nobody's", () => {
    const data = JSON.stringify({ type: "task.updated", event_id: "e1", task_id: 12, changed: ["completed"], occurred_at: "t", task: TASK });
    expect(liveMessage({ id: "1-0", event: "task.updated", data })).toEqual({
      type: "task.updated",
      event_id: "e1",
      task_id: 12,
      changed: ["completed"],
      occurred_at: "t",
      task: TASK,
    });
    expect(liveMessage({ id: "1-0", event: "resync", data: '{"type":"resync","reason":"Missed changes are gone."}' })).toEqual({
      type: "resync",
      reason: "Missed changes are gone.",
    });
    expect(liveMessage({ id: "1-0", event: "task.archived", data })).toBeNull();
    expect(liveMessage({ id: "1-0", event: "task.updated", data: "not json" })).toBeNull();
    expect(liveMessage({ id: "1-0", event: "task.deleted", data: '{"task_id":"12"}' })).toBeNull();
  });
});

describe("reconnectDelay", () => {
  it("starts at the server's retry, doubles after each failure, adds up to half of jitter, and stops at the cap", () => {
    expect(reconnectDelay(1, 1000, () => 0)).toBe(1000);
    expect(reconnectDelay(1, 1000, () => 0.999)).toBe(1500);
    expect(reconnectDelay(2, 1000, () => 0)).toBe(2000);
    expect(reconnectDelay(4, 1000, () => 0.5)).toBe(10_000);
    expect(reconnectDelay(6, 1000, () => 0)).toBe(30_000);
    expect(reconnectDelay(40, 1000, () => 0.999)).toBe(30_000);
    expect(reconnectDelay(2, 2500, () => 0, 4000)).toBe(4000);
  });
});

// --- The connection, against a fake fetch and fake timers.

interface Sent {
  url: string;
  headers: Headers;
  signal: AbortSignal;
}

type Answer = { status: number; contentType?: string } | "stream" | Error;

/** A fetch that answers from a script: a status, a network error, or a stream the test writes into. */
function fakeServer(answers: Answer[]) {
  const sent: Sent[] = [];
  const streams: { write: (text: string) => void; end: () => void }[] = [];
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const signal = init.signal!;
    sent.push({ url, headers: new Headers(init.headers), signal });
    const answer = answers.shift() ?? new TypeError("fetch failed");
    if (answer instanceof Error) throw answer;
    if (answer !== "stream") {
      return new Response(JSON.stringify({ error: {} }), { status: answer.status, headers: { "content-type": answer.contentType ?? "application/json" } });
    }
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    signal.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
    streams.push({ write: (text) => controller.enqueue(new TextEncoder().encode(text)), end: () => controller.close() });
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  };
  return { fetch, sent, streams };
}

function connect(answers: Answer[], tokens = { get: vi.fn(async () => "t1" as string | null), refresh: vi.fn(async () => "t2" as string | null) }) {
  const server = fakeServer(answers);
  const live = new LiveUpdates(tokens, { fetch: server.fetch, random: () => 0 });
  const messages: LiveMessage[] = [];
  live.subscribe((message) => messages.push(message));
  live.start("ada");
  return { live, server, messages, tokens };
}

const settle = () => vi.advanceTimersByTimeAsync(0);
const change = (id: string, type: string, task: Task | null) =>
  `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ type, event_id: `e-${id}`, task_id: 12, occurred_at: "t", task })}\n\n`;

describe("LiveUpdates", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("opens the stream with the bearer token, hands its changes on and resumes with Last-Event-ID", async () => {
    const { live, server, messages } = connect(["stream", "stream"]);
    expect(live.status()).toBe("connecting");
    await settle();
    expect(server.sent).toHaveLength(1);
    expect(server.sent[0]!.url).toBe("/api/ada/events");
    expect(server.sent[0]!.headers.get("authorization")).toBe("Bearer t1");
    expect(server.sent[0]!.headers.get("accept")).toBe("text/event-stream");
    expect(server.sent[0]!.headers.get("last-event-id")).toBeNull();
    expect(live.status()).toBe("live");

    server.streams[0]!.write("retry: 2000\n: connected\n\n" + change("5-0", "task.updated", TASK));
    await settle();
    expect(messages).toEqual([expect.objectContaining({ type: "task.updated", task_id: 12, task: TASK })]);

    server.streams[0]!.end(); // e.g. the server restarting
    await settle();
    expect(live.status()).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(1999); // the server's retry
    expect(server.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sent).toHaveLength(2);
    expect(server.sent[1]!.headers.get("last-event-id")).toBe("5-0");
    expect(live.status()).toBe("live");
    expect(messages).toHaveLength(1); // it resumed: no resync
    live.stop();
  });

  it("backs off while the server cannot be reached, then carries on", async () => {
    const { live, server } = connect([new TypeError("fetch failed"), { status: 502 }, { status: 503 }, "stream"]);
    await settle();
    const times = [0];
    for (const wait of [1000, 2000, 4000]) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(server.sent).toHaveLength(times.length);
      await vi.advanceTimersByTimeAsync(1);
      times.push(wait);
      expect(server.sent).toHaveLength(times.length);
    }
    expect(live.status()).toBe("live");
    live.stop();
  });

  it("fetches a fresh token after a 401 and tries again at once", async () => {
    const { live, server, tokens } = connect([{ status: 401 }, "stream"]);
    await settle();
    expect(tokens.refresh).toHaveBeenCalledTimes(1);
    expect(server.sent.map((request) => request.headers.get("authorization"))).toEqual(["Bearer t1", "Bearer t2"]);
    expect(live.status()).toBe("live");
    live.stop();
  });

  it("stops when signed out", async () => {
    const signedOut = { get: vi.fn(async () => null), refresh: vi.fn(async () => null) };
    const { live, server } = connect(["stream"], signedOut);
    await settle();
    expect(server.sent).toHaveLength(0);
    expect(live.status()).toBe("off");
    const expired = connect([{ status: 401 }, "stream"], { get: vi.fn(async () => "t1"), refresh: vi.fn(async () => null) });
    await settle();
    expect(expired.server.sent).toHaveLength(1);
    expect(expired.live.status()).toBe("off");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(expired.server.sent).toHaveLength(1);
  });

  it("hands a resync on, and makes one when a stream reopens without a position to resume from", async () => {
    const { live, server, messages } = connect(["stream", "stream"]);
    await settle();
    server.streams[0]!.write(': connected\n\nid: 9-0\nevent: resync\ndata: {"type":"resync","reason":"Missed changes are gone."}\n\n');
    await settle();
    expect(messages).toEqual([{ type: "resync", reason: "Missed changes are gone." }]);

    const fresh = connect(["stream", "stream"]);
    await settle();
    fresh.server.streams[0]!.end(); // no change came, so no position: what happened meanwhile is unknown
    await vi.advanceTimersByTimeAsync(1000);
    expect(fresh.server.sent).toHaveLength(2);
    expect(fresh.messages).toEqual([{ type: "resync", reason: expect.any(String) }]);
    live.stop();
    fresh.live.stop();
  });

  it("ignores an answer that is not an event stream", async () => {
    const { live, server } = connect([{ status: 200, contentType: "text/html" }, "stream"]);
    await settle();
    expect(live.status()).toBe("connecting");
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.sent).toHaveLength(2);
    expect(live.status()).toBe("live");
    live.stop();
  });

  it("replaces a stream that has said nothing for too long", async () => {
    const { live, server } = connect(["stream", "stream"]);
    await settle();
    await vi.advanceTimersByTimeAsync(30_000);
    server.streams[0]!.write(": heartbeat\n\n"); // anything read keeps it
    await vi.advanceTimersByTimeAsync(44_999);
    expect(server.sent[0]!.signal.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sent[0]!.signal.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(server.sent).toHaveLength(2);
    live.stop();
  });

  it("stop(): the stream is closed and nothing more is asked or handed on", async () => {
    const { live, server, messages } = connect(["stream", "stream"]);
    await settle();
    live.stop();
    expect(server.sent[0]!.signal.aborted).toBe(true);
    expect(live.status()).toBe("off");
    await vi.advanceTimersByTimeAsync(120_000);
    expect(server.sent).toHaveLength(1);
    expect(messages).toEqual([]);
  });

  it("start() for another user closes the previous user's stream first", async () => {
    const { live, server } = connect(["stream", "stream"]);
    await settle();
    live.start("bob");
    await settle();
    expect(server.sent.map((request) => [request.url, request.signal.aborted])).toEqual([
      ["/api/ada/events", true],
      ["/api/bob/events", false],
    ]);
    live.stop();
  });
});

describe("coalesce", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("calls once for a burst, after the delay from its first call; cancel drops a waiting call", async () => {
    const reload = vi.fn();
    const later = coalesce(reload, 150);
    for (let i = 0; i < 20; i += 1) later();
    await vi.advanceTimersByTimeAsync(149);
    expect(reload).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(reload).toHaveBeenCalledTimes(1);
    later();
    later.cancel();
    await vi.advanceTimersByTimeAsync(1000);
    expect(reload).toHaveBeenCalledTimes(1);
  });
});

describe("changedTask (the task page)", () => {
  const changeOf = (task: Task | null): TaskChange => ({ type: task ? "task.updated" : "task.deleted", event_id: "e", task_id: 12, occurred_at: "t", task });

  it("shows the changed task, keeps a newer one, and says when it is gone", () => {
    const newer = { ...TASK, title: "Water the ferns", updated_at: "2026-12-02T07:12:00Z" };
    expect(changedTask(TASK, changeOf(newer))).toBe(newer);
    expect(changedTask(null, changeOf(newer))).toBe(newer);
    expect(changedTask(newer, changeOf(TASK))).toBeNull();
    expect(changedTask(TASK, changeOf(null))).toBe("deleted");
  });
});
