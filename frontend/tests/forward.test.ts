import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { forward, upstreamUrl } from "@/lib/forward";

describe("upstreamUrl", () => {
  it("keeps the path and query on the API's origin", () => {
    expect(upstreamUrl("http://localhost:3000/api/ada/tasks?tag=a&tag=b", "http://127.0.0.1:8000")).toBe(
      "http://127.0.0.1:8000/api/ada/tasks?tag=a&tag=b",
    );
  });
  it("forwards calendar feeds, on the same path", () => {
    expect(upstreamUrl("http://localhost:3000/ical/abc_DEF-1.ics", "http://127.0.0.1:8000")).toBe("http://127.0.0.1:8000/ical/abc_DEF-1.ics");
    expect(() => upstreamUrl("http://localhost:3000/ical/abc/def.ics", "http://127.0.0.1:8000")).toThrow();
    expect(() => upstreamUrl("http://localhost:3000/ical/", "http://127.0.0.1:8000")).toThrow();
  });
  it("never forwards Better Auth's paths or anything outside /api/", () => {
    expect(() => upstreamUrl("http://localhost:3000/api/auth/token", "http://127.0.0.1:8000")).toThrow();
    expect(() => upstreamUrl("http://localhost:3000/admin/", "http://127.0.0.1:8000")).toThrow();
  });
});

describe("forward", () => {
  it("passes allowed headers and the body, never cookies", async () => {
    let seen: { url: string; method: string; headers: Headers; body: string } | null = null;
    const response = await forward(
      new Request("http://localhost:3000/api/ada/tasks", {
        method: "POST",
        headers: {
          authorization: "Bearer t",
          "content-type": "application/json",
          "idempotency-key": "k1",
          cookie: "better-auth.session_token=secret",
          origin: "http://localhost:3000",
        },
        body: '{"title":"x"}',
      }),
      "http://127.0.0.1:8000",
      async (url, init) => {
        seen = {
          url: String(url),
          method: init?.method ?? "",
          headers: new Headers(init?.headers),
          body: new TextDecoder().decode(init?.body as ArrayBuffer),
        };
        return new Response('{"id":1}', { status: 201, headers: { "content-type": "application/json", "set-cookie": "x=y" } });
      },
    );
    expect(seen).not.toBeNull();
    const request = seen!;
    expect(request.url).toBe("http://127.0.0.1:8000/api/ada/tasks");
    expect(request.method).toBe("POST");
    expect(request.headers.get("authorization")).toBe("Bearer t");
    expect(request.headers.get("idempotency-key")).toBe("k1");
    expect(request.headers.get("cookie")).toBeNull();
    expect(request.headers.get("origin")).toBeNull();
    expect(request.body).toBe('{"title":"x"}');
    expect(response.status).toBe(201);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.json()).toEqual({ id: 1 });
  });

  it("answers in the API's error shape when the API is down", async () => {
    const response = await forward(new Request("http://localhost:3000/api/ada/tasks"), "http://127.0.0.1:8000", async () => {
      throw new TypeError("fetch failed");
    });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({
      error: { code: "api_unavailable", message: expect.any(String), details: {} },
    });
  });

  it("refuses what is not the API's, without asking it", async () => {
    const response = await forward(new Request("http://localhost:3000/api/%2e%2e/admin/"), "http://127.0.0.1:8000", async () => {
      throw new Error("must not be called");
    });
    expect(response.status).toBe(404);
  });

  it("keeps a 204 bodyless", async () => {
    const response = await forward(
      new Request("http://localhost:3000/api/ada/tasks/1", { method: "DELETE" }),
      "http://127.0.0.1:8000",
      async () => new Response(null, { status: 204 }),
    );
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it("adds the upstream's routing header (Dapr service invocation), whatever the browser sent", async () => {
    let seen: { url: string; headers: Headers } | null = null;
    await forward(
      new Request("http://localhost:3000/api/ada/tasks", { headers: { authorization: "Bearer t", "dapr-app-id": "todo-flower" } }),
      { origin: "http://127.0.0.1:3500", headers: { "dapr-app-id": "todo-web" } },
      async (url, init) => {
        seen = { url: String(url), headers: new Headers(init?.headers) };
        return new Response("[]", { status: 200 });
      },
    );
    const request = seen!;
    expect(request.url).toBe("http://127.0.0.1:3500/api/ada/tasks");
    expect(request.headers.get("dapr-app-id")).toBe("todo-web");
    expect(request.headers.get("authorization")).toBe("Bearer t");
  });
});

describe("forward, when the API's connection fails before it answers", () => {
  // A real HTTP server and Node's own fetch: the server drops the connection of the requests it is told to, the
  // way a kept-alive connection closed by the server just as the forwarder reuses it fails ("other side closed").
  let server: Server | null = null;
  afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  async function api(drop: (n: number) => boolean): Promise<{ origin: string; seen: string[] }> {
    const seen: string[] = [];
    server = createServer((request: IncomingMessage, response) => {
      seen.push(`${request.method} ${request.headers["idempotency-key"] ?? "-"}`);
      if (drop(seen.length)) {
        request.socket.destroy();
        return;
      }
      response.writeHead(request.method === "POST" ? 201 : 200, { "content-type": "application/json" });
      response.end('{"ok":true}');
    });
    await new Promise<void>((listening) => server!.listen(0, "127.0.0.1", listening));
    return { origin: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
  }

  it("sends a GET once more, on another connection, and answers with the API's answer", async () => {
    const { origin, seen } = await api((n) => n === 1);
    const response = await forward(new Request("http://localhost:3000/api/ada/tasks"), origin);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toEqual(["GET -", "GET -"]);
  });

  it("sends a POST with an Idempotency-Key once more (the API answers a repeat with the first answer)", async () => {
    const { origin, seen } = await api((n) => n === 1);
    const request = new Request("http://localhost:3000/api/ada/tasks", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": "k1" },
      body: '{"title":"x"}',
    });
    const response = await forward(request, origin);
    expect(response.status).toBe(201);
    expect(seen).toEqual(["POST k1", "POST k1"]);
  });

  it("never sends a POST without an Idempotency-Key twice: the API may have acted on it", async () => {
    const { origin, seen } = await api((n) => n === 1);
    const request = new Request("http://localhost:3000/api/ada/tasks", { method: "POST", body: '{"title":"x"}' });
    const response = await forward(request, origin);
    expect(response.status).toBe(502);
    expect(seen).toEqual(["POST -"]);
  });

  it("tries once more only: a connection that fails again is a 502", async () => {
    const { origin, seen } = await api(() => true);
    const response = await forward(new Request("http://localhost:3000/api/ada/tasks"), origin);
    expect(response.status).toBe(502);
    expect((await response.json()).error.code).toBe("api_unavailable");
    expect(seen).toEqual(["GET -", "GET -"]);
  });
});
