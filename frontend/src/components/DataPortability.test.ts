// The pure parts of the profile's export and import: the download's file name, and the lines listing what is wrong
// with a refused file (each task named by its position in the file).
import { describe, expect, it } from "vitest";
import { problemOf } from "@/api/errors";
import { downloadName, importProblems } from "@/components/DataPortability";

describe("downloadName", () => {
  it("takes the name the API gave", () => {
    expect(downloadName('attachment; filename="todo-export-2031-05-04.json"')).toBe("todo-export-2031-05-04.json");
  });

  it("falls back to a dated name", () => {
    expect(downloadName(null, new Date("2031-05-04T10:00:00Z"))).toBe("todo-export-2031-05-04.json");
  });
});

describe("importProblems", () => {
  it("names each task by its position in the file, and the file itself", () => {
    const problem = problemOf(
      {
        error: {
          code: "invalid",
          message: "The request has invalid fields.",
          details: {
            tasks: { "0": { title: ["This field is required."] }, "3": { series: ["No earlier task of the file has the id 7."] } },
            version: ["Must be one of 1."],
          },
        },
      },
      400,
    );
    expect(importProblems(problem)).toEqual([
      "Task 1 of the file (title): This field is required.",
      "Task 4 of the file (series): No earlier task of the file has the id 7.",
      "version: Must be one of 1.",
    ]);
  });

  it("says when the file is not JSON", () => {
    const problem = problemOf({ error: { code: "invalid", message: "x", details: { document: ["Not valid JSON: y."] } } }, 400);
    expect(importProblems(problem)).toEqual(["The file: Not valid JSON: y."]);
  });
});
