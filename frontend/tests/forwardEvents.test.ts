import { afterEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/[userId]/events/route";
import { eventsUrl, forwardEvents } from "@/lib/forwardEvents";

const LIVE = "http://127.0.0.1:8001";
const encoder = new TextEncoder();

/** An upstream answer whose body the test writes, chunk by chunk, and which errors when its request is aborted. */
function upstreamStream(signal?: AbortSignal | null, headers: Record<string, string> = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform" }) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  signal?.addEventListener("abort", () => controller.error(new DOMException("aborted", "AbortError")));
  return { response: new Response(body, { headers }), write: (text: string) => controller.enqueue(encoder.encode(text)) };
}

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const { value } = await reader.read();
  return new TextDecoder().decode(value);
}

describe("eventsUrl", () => {
  it("keeps the path and only the ticket", () => {
    expect(eventsUrl("http://localhost:3000/api/ada/events?ticket=t1&page=2", LIVE)).toBe(`${LIVE}/api/ada/events?ticket=t1`);
    expect(eventsUrl("http://localhost:3000/api/ada/events", LIVE)).toBe(`${LIVE}/api/ada/events`);
  });
  it("refuses a path that normalises out of a stream's", () => {
    expect(eventsUrl("http://localhost:3000/api/%2e%2e/events", LIVE)).toBeNull();
  });
});

describe("forwardEvents", () => {
  it("streams the body through as it is written, before it ends", async () => {
    let upstream: ReturnType<typeof upstreamStream> | null = null;
    const response = await forwardEvents(new Request("http://localhost:3000/api/ada/events"), LIVE, async (_url, init) => {
      upstream = upstreamStream(init?.signal);
      return upstream.response;
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    upstream!.write("retry: 1000\n: connected\n\n");
    expect(await readChunk(reader)).toBe("retry: 1000\n: connected\n\n");
    upstream!.write('id: 1-0\nevent: task.created\ndata: {"task_id":1}\n\n');
    expect(await readChunk(reader)).toBe('id: 1-0\nevent: task.created\ndata: {"task_id":1}\n\n');
    await reader.cancel();
  });

  it("passes the stream's headers and the ticket, never cookies; answers with its own headers", async () => {
    let seen: { url: string; method: string; headers: Headers } | null = null;
    const response = await forwardEvents(
      new Request("http://localhost:3000/api/ada/events?ticket=t1&x=y", {
        headers: {
          authorization: "Bearer t",
          accept: "text/event-stream",
          "last-event-id": "1764660000000-0",
          cookie: "better-auth.session_token=secret",
          origin: "http://localhost:3000",
        },
      }),
      LIVE,
      async (url, init) => {
        seen = { url: String(url), method: init?.method ?? "", headers: new Headers(init?.headers) };
        return upstreamStream(init?.signal, { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", "set-cookie": "x=y" }).response;
      },
    );
    const request = seen!;
    expect(request.url).toBe(`${LIVE}/api/ada/events?ticket=t1`);
    expect(request.method).toBe("GET");
    expect(Object.fromEntries(request.headers)).toEqual({
      authorization: "Bearer t",
      accept: "text/event-stream",
      "last-event-id": "1764660000000-0",
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    expect(response.headers.get("set-cookie")).toBeNull();
    await response.body!.cancel();
  });

  it("keeps compression away even when the server forgot no-transform", async () => {
    const response = await forwardEvents(new Request("http://localhost:3000/api/ada/events"), LIVE, async (_url, init) =>
      upstreamStream(init?.signal, { "content-type": "text/event-stream", "cache-control": "no-cache" }).response,
    );
    expect(response.headers.get("cache-control")).toBe("no-cache, no-transform");
    await response.body!.cancel();
  });

  it("gives the server's refusal back as it is", async () => {
    const response = await forwardEvents(new Request("http://localhost:3000/api/ada/events"), LIVE, async () =>
      Response.json({ error: { code: "not_authenticated", message: "No.", details: {} } }, { status: 401, headers: { "www-authenticate": 'Bearer realm="api"' } }),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(await response.json()).toEqual({ error: { code: "not_authenticated", message: "No.", details: {} } });
  });

  it("answers 502 in the API's error shape when the live-updates server is down", async () => {
    const response = await forwardEvents(new Request("http://localhost:3000/api/ada/events"), LIVE, async () => {
      throw new TypeError("fetch failed");
    });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: { code: "live_updates_unavailable", message: expect.any(String), details: {} } });
  });

  it("answers 504 when the headers do not come in time, but puts no limit on the body", async () => {
    const never = (_url: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)));
    const late = await forwardEvents(new Request("http://localhost:3000/api/ada/events"), LIVE, never, 20);
    expect(late.status).toBe(504);

    let upstream: ReturnType<typeof upstreamStream> | null = null;
    let signal: AbortSignal | null | undefined = null;
    const response = await forwardEvents(
      new Request("http://localhost:3000/api/ada/events"),
      LIVE,
      async (_url, init) => {
        signal = init?.signal;
        upstream = upstreamStream(signal);
        return upstream.response;
      },
      20,
    );
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(signal!.aborted).toBe(false);
    const reader = response.body!.getReader();
    upstream!.write(": heartbeat\n\n");
    expect(await readChunk(reader)).toBe(": heartbeat\n\n");
    await reader.cancel();
  });

  it("aborts the upstream request when the browser goes away", async () => {
    const browser = new AbortController();
    let signal: AbortSignal | null | undefined = null;
    const response = await forwardEvents(new Request("http://localhost:3000/api/ada/events", { signal: browser.signal }), LIVE, async (_url, init) => {
      signal = init?.signal;
      return upstreamStream(signal).response;
    });
    expect(response.status).toBe(200);
    browser.abort();
    expect(signal!.aborted).toBe(true);
    await expect(response.body!.getReader().read()).rejects.toThrow();
  });

  it("refuses what is not a stream's path, without asking", async () => {
    const response = await forwardEvents(new Request("http://localhost:3000/api/%2e%2e/events"), LIVE, async () => {
      throw new Error("must not be called");
    });
    expect(response.status).toBe(404);
  });
});

describe("the route handler", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.unstubAllGlobals();
  });

  it("forwards to LIVE_ORIGIN", async () => {
    vi.stubEnv("LIVE_ORIGIN", "http://live.internal:9001/");
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => upstreamStream(init?.signal).response);
    vi.stubGlobal("fetch", fetchMock);
    const response = await GET(new Request("http://localhost:3000/api/ada/events", { headers: { authorization: "Bearer t" } }));
    expect(response.status).toBe(200);
    expect(fetchMock.mock.calls[0]![0]).toBe("http://live.internal:9001/api/ada/events");
    await response.body!.cancel();
  });

  it("adds the upstream's routing header (Dapr service invocation)", async () => {
    let seen: { url: string; headers: Headers } | null = null;
    const response = await forwardEvents(
      new Request("http://localhost:3000/api/ada/events", { headers: { authorization: "Bearer t" } }),
      { origin: "http://127.0.0.1:3500", headers: { "dapr-app-id": "todo-live" } },
      async (url, init) => {
        seen = { url: String(url), headers: new Headers(init?.headers) };
        return upstreamStream(init?.signal).response;
      },
    );
    const request = seen!;
    expect(request.url).toBe("http://127.0.0.1:3500/api/ada/events");
    expect(Object.fromEntries(request.headers)).toEqual({ authorization: "Bearer t", "dapr-app-id": "todo-live" });
    await response.body!.cancel();
  });
});
