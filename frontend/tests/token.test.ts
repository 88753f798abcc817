import { describe, expect, it, vi } from "vitest";
import { authorizedFetch } from "@/api/client";
import { TokenHolder, tokenExpiry, tokenUser } from "@/auth/token";

function jwt(payload: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode({ alg: "EdDSA", typ: "JWT" })}.${encode(payload)}.signature`;
}

describe("tokenExpiry", () => {
  it("reads exp in milliseconds", () => {
    expect(tokenExpiry(jwt({ sub: "u", exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
  });
  it("is null without exp or for garbage", () => {
    expect(tokenExpiry(jwt({ sub: "u" }))).toBeNull();
    expect(tokenExpiry("not-a-jwt")).toBeNull();
    expect(tokenExpiry("a.%%%.c")).toBeNull();
  });
});

describe("TokenHolder", () => {
  it("reuses a token until a minute before it expires, then fetches a new one", async () => {
    let now = 1_000_000;
    const tokens = [jwt({ exp: (now + 15 * 60_000) / 1000 }), jwt({ exp: (now + 30 * 60_000) / 1000 })];
    const source = vi.fn(async () => tokens.shift() ?? null);
    const holder = new TokenHolder(source, () => now);
    const first = await holder.get();
    expect(await holder.get()).toBe(first);
    now += 13 * 60_000; // two minutes left: still used
    expect(await holder.get()).toBe(first);
    now += 60_000 + 1; // less than a minute left: renewed before it expires
    const second = await holder.get();
    expect(second).not.toBe(first);
    expect(source).toHaveBeenCalledTimes(2);
    expect(holder.renewAt()).toBe(1_000_000 + 30 * 60_000 - 60_000);
  });

  it("shares one fetch between concurrent callers", async () => {
    let resolve: (token: string) => void = () => undefined;
    const source = vi.fn(() => new Promise<string>((r) => (resolve = r)));
    const holder = new TokenHolder(source, () => 0);
    const both = Promise.all([holder.get(), holder.get(), holder.refresh()]);
    resolve(jwt({ exp: 10_000 }));
    const [a, b, c] = await both;
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(source).toHaveBeenCalledTimes(1);
  });

  it("forgets the token on clear, and a fetch that was under way when it was cleared", async () => {
    let resolve: (token: string) => void = () => undefined;
    const source = vi.fn(() => new Promise<string>((r) => (resolve = r)));
    const holder = new TokenHolder(source, () => 0);
    const pending = holder.get();
    holder.clear();
    resolve(jwt({ exp: 10_000 }));
    expect(await pending).toBeNull();
    expect(holder.renewAt()).toBeNull();
  });

  it("is null when signed out", async () => {
    const holder = new TokenHolder(async () => null);
    expect(await holder.get()).toBeNull();
  });
});

describe("authorizedFetch", () => {
  it("sends the bearer token", async () => {
    const seen: (string | null)[] = [];
    const send = authorizedFetch({ get: async () => "t1", refresh: async () => "t2" }, async (request) => {
      seen.push(request.headers.get("authorization"));
      return new Response("{}", { status: 200 });
    });
    const response = await send(new Request("http://ui.test/api/u/tasks"));
    expect(response.status).toBe(200);
    expect(seen).toEqual(["Bearer t1"]);
  });

  it("retries a 401 once with a fresh token, body included", async () => {
    const seen: [string | null, string][] = [];
    const refresh = vi.fn(async () => "fresh");
    const send = authorizedFetch({ get: async () => "stale", refresh }, async (request) => {
      seen.push([request.headers.get("authorization"), await request.text()]);
      return new Response("{}", { status: seen.length === 1 ? 401 : 201 });
    });
    const response = await send(new Request("http://ui.test/api/u/tasks", { method: "POST", body: '{"title":"x"}' }));
    expect(response.status).toBe(201);
    expect(seen).toEqual([
      ["Bearer stale", '{"title":"x"}'],
      ["Bearer fresh", '{"title":"x"}'],
    ]);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it("gives the 401 back when it persists or the session is gone", async () => {
    let calls = 0;
    const base = async () => {
      calls += 1;
      return new Response("{}", { status: 401 });
    };
    expect((await authorizedFetch({ get: async () => "a", refresh: async () => "b" }, base)(new Request("http://ui.test/x"))).status).toBe(401);
    expect(calls).toBe(2); // one retry only
    calls = 0;
    expect((await authorizedFetch({ get: async () => "a", refresh: async () => null }, base)(new Request("http://ui.test/x"))).status).toBe(401);
    expect(calls).toBe(1);
  });
});

describe("tokenUser", () => {
  it("reads sub, email and name (UTF-8)", () => {
    expect(tokenUser(jwt({ sub: "u1", email: "ada@example.com", name: "Ada Lövelace", exp: 1 }))).toEqual({ id: "u1", email: "ada@example.com", name: "Ada Lövelace" });
  });
  it("is null without a sub or for garbage", () => {
    expect(tokenUser(jwt({ email: "ada@example.com" }))).toBeNull();
    expect(tokenUser("not-a-jwt")).toBeNull();
  });
});

describe("TokenHolder: who is signed in", () => {
  const ada = jwt({ sub: "ada", email: "ada@example.com", name: "Ada", exp: 10_000 });
  const bob = jwt({ sub: "bob", email: "bob@example.com", name: "Bob", exp: 10_000 });

  it("is unknown until the first answer, then the token's user; a 401 (null) is signed out", async () => {
    const answers: (string | null)[] = [ada, null];
    const holder = new TokenHolder(async () => answers.shift() ?? null, () => 0);
    const changes = vi.fn();
    holder.subscribe(changes);
    expect(holder.user()).toBeUndefined();
    await holder.get();
    expect(holder.user()).toEqual({ id: "ada", email: "ada@example.com", name: "Ada" });
    await holder.refresh();
    expect(holder.user()).toBeNull();
    expect(changes).toHaveBeenCalledTimes(2);
  });

  it("keeps the same user object for a new token of the same user, and follows a token of another", async () => {
    const answers = [ada, jwt({ sub: "ada", email: "ada@example.com", name: "Ada", exp: 20_000 }), bob];
    const holder = new TokenHolder(async () => answers.shift() ?? null, () => 0);
    await holder.get();
    const first = holder.user();
    await holder.refresh();
    expect(holder.user()).toBe(first);
    await holder.refresh();
    expect(holder.user()?.id).toBe("bob");
  });

  it("is signed out when the first answer fails, a known user stays on a failure", async () => {
    const failing = new TokenHolder(async () => Promise.reject(new Error("offline")), () => 0);
    await expect(failing.get()).rejects.toThrow("offline");
    expect(failing.user()).toBeNull();
    let fail = false;
    const holder = new TokenHolder(async () => (fail ? Promise.reject(new Error("offline")) : ada), () => 0);
    await holder.get();
    fail = true;
    await expect(holder.refresh()).rejects.toThrow("offline");
    expect(holder.user()?.id).toBe("ada");
  });

  it("clear: signed out at once; reset: the token is fetched again, unknown meanwhile only when signed out", async () => {
    const source = vi.fn(async () => ada);
    const holder = new TokenHolder(source, () => 0);
    await holder.get();
    holder.reset();
    expect(holder.user()?.id).toBe("ada");
    expect(holder.renewAt()).toBeNull();
    await holder.get();
    expect(source).toHaveBeenCalledTimes(2);
    holder.clear();
    expect(holder.user()).toBeNull();
    holder.reset();
    expect(holder.user()).toBeUndefined();
  });
});
