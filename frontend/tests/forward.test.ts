import { describe, expect, it } from "vitest";
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
