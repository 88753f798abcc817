import { describe, expect, it } from "vitest";
import { networkProblem, problemOf } from "@/api/errors";
import { describeAuthError } from "@/lib/authErrors";

describe("problemOf", () => {
  it("reads the API's error shape and its field messages", () => {
    const problem = problemOf(
      {
        error: {
          code: "invalid",
          message: "Invalid input.",
          details: { title: ["This field may not be blank."], tags: { "1": ["Too long."] }, reminder_at: "Must lie ahead." },
        },
      },
      400,
    );
    expect(problem.code).toBe("invalid");
    expect(problem.message).toBe("Invalid input.");
    expect(problem.fields.title).toEqual(["This field may not be blank."]);
    expect(problem.fields["tags.1"]).toEqual(["Too long."]);
    expect(problem.fields.tags).toEqual(["Too long."]);
    expect(problem.fields.reminder_at).toEqual(["Must lie ahead."]);
  });

  it("has a message for bodies that are not the API's", () => {
    expect(problemOf(undefined, 502).message).toMatch(/server/);
    expect(problemOf("<html>", 404)).toMatchObject({ code: "http_404", fields: {} });
    expect(problemOf(null, 401).message).toMatch(/Sign in/);
    expect(networkProblem(new TypeError("Failed to fetch")).message).toMatch(/Failed to fetch/);
  });
});

describe("describeAuthError", () => {
  it("says clearly when the password is wrong", () => {
    expect(describeAuthError("sign-in", { status: 401, code: "INVALID_EMAIL_OR_PASSWORD", message: "Invalid email or password" }).message).toMatch(
      /Wrong email or password/,
    );
  });
  it("points at the field concerned", () => {
    expect(describeAuthError("sign-up", { status: 422, code: "USER_ALREADY_EXISTS" }).field).toBe("email");
    expect(describeAuthError("sign-up", { status: 400, code: "PASSWORD_TOO_SHORT" }).field).toBe("password");
  });
});
