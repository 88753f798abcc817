import { describe, expect, it } from "vitest";
import { createApiClient } from "@/api/client";

describe("the typed API client", () => {
  it("sends repeatable tags, the user id in the path and the token", async () => {
    const seen: Request[] = [];
    const api = createApiClient({ get: async () => "tok", refresh: async () => "tok" }, "http://ui.test", async (request) => {
      seen.push(request);
      return Response.json({ count: 0, next: null, previous: null, results: [] });
    });
    const { data } = await api.GET("/api/{user_id}/tasks", {
      params: { path: { user_id: "user 1" }, query: { tag: ["a", "b c"], completed: false, page: 2 } },
    });
    expect(data?.count).toBe(0);
    const url = new URL(seen[0]!.url);
    expect(url.pathname).toBe("/api/user%201/tasks");
    expect(url.searchParams.getAll("tag")).toEqual(["a", "b c"]);
    expect(url.searchParams.get("completed")).toBe("false");
    expect(seen[0]!.headers.get("authorization")).toBe("Bearer tok");
  });

  it("gives the API's error body back", async () => {
    const api = createApiClient({ get: async () => "tok", refresh: async () => "tok" }, "http://ui.test", async () =>
      Response.json({ error: { code: "invalid", message: "Invalid input.", details: { title: ["Required."] } } }, { status: 400 }),
    );
    const { data, error, response } = await api.POST("/api/{user_id}/tasks", {
      params: { path: { user_id: "u" } },
      body: { title: "" },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(400);
    expect(error?.error.details).toEqual({ title: ["Required."] });
  });
});
