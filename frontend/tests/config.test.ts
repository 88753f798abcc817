import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { apiOrigin, apiUpstream, liveOrigin, liveUpstream, readAuthConfig } from "@/auth/config";

// A random secret per run: nothing in the repository is a usable secret.
const secret = randomBytes(48).toString("base64url");

describe("readAuthConfig", () => {
  it("refuses to run without its own secret", () => {
    expect(() => readAuthConfig({})).toThrow(/UI_AUTH_SECRET/);
    expect(() => readAuthConfig({ UI_AUTH_SECRET: "short" })).toThrow(/at least 32/);
    expect(() => readAuthConfig({ UI_AUTH_SECRET: secret, BETTER_AUTH_SECRET: secret })).toThrow(/differ/);
  });

  it("needs no secret for migrations", () => {
    expect(readAuthConfig({}, { requireSecret: false }).secret).toBe("");
  });

  it("trusts its origin under both loopback names, plus the ones given", () => {
    const config = readAuthConfig({ UI_AUTH_SECRET: secret, UI_TRUSTED_ORIGINS: "https://todo.example/ , " });
    expect(config.baseURL).toBe("http://localhost:3000");
    expect(config.trustedOrigins).toEqual(["http://localhost:3000", "http://127.0.0.1:3000", "https://todo.example"]);
    expect(config.databaseUrl).toBe("postgres://todo:todo@127.0.0.1:5432/todo");
    expect(config.rateLimit).toBe(true);
    expect(readAuthConfig({ UI_AUTH_SECRET: secret, PUBLIC_BASE_URL: "https://ui.example/x", AUTH_RATE_LIMIT: "false" })).toMatchObject({
      baseURL: "https://ui.example",
      trustedOrigins: ["https://ui.example"],
      rateLimit: false,
    });
  });

  it("reads the API's origin", () => {
    expect(apiOrigin({})).toBe("http://127.0.0.1:8000");
    expect(apiOrigin({ API_ORIGIN: "http://api.internal:9000/" })).toBe("http://api.internal:9000");
    expect(() => apiOrigin({ API_ORIGIN: "nope" })).toThrow(/API_ORIGIN/);
  });

  it("reads the live-updates server's origin", () => {
    expect(liveOrigin({})).toBe("http://127.0.0.1:8001");
    expect(liveOrigin({ LIVE_ORIGIN: "http://live.internal:9001/" })).toBe("http://live.internal:9001");
    expect(() => liveOrigin({ LIVE_ORIGIN: "nope" })).toThrow(/LIVE_ORIGIN/);
  });

  it("routes through the Dapr sidecar when an app id is given (Kubernetes), directly otherwise", () => {
    expect(apiUpstream({})).toEqual({ origin: "http://127.0.0.1:8000", headers: {} });
    expect(apiUpstream({ API_ORIGIN: "http://127.0.0.1:3500", API_DAPR_APP_ID: "todo-web" })).toEqual({
      origin: "http://127.0.0.1:3500",
      headers: { "dapr-app-id": "todo-web" },
    });
    expect(liveUpstream({ LIVE_ORIGIN: "http://127.0.0.1:3500", LIVE_DAPR_APP_ID: "todo-live" })).toEqual({
      origin: "http://127.0.0.1:3500",
      headers: { "dapr-app-id": "todo-live" },
    });
    expect(() => apiUpstream({ API_DAPR_APP_ID: "todo web\r\nx: y" })).toThrow(/API_DAPR_APP_ID/);
  });
});
