import { describe, expect, it } from "vitest";
import type { Task } from "@/api/types";
import { safeNextPath } from "@/lib/navigation";
import { isInSeries, outcomeOf, seriesRootId } from "@/lib/series";
import { emptyTaskForm, formToBody, taskToForm } from "@/lib/taskForm";
import { collectTags } from "@/lib/useKnownTags";

function task(fields: Partial<Task>): Task {
  return {
    id: 1,
    user_id: "ada",
    title: "Task",
    description: "",
    completed: false,
    completed_at: null,
    skipped: false,
    priority: "medium",
    tags: [],
    due_date: null,
    timezone: "UTC",
    recurring_pattern: null,
    recurring_end_date: null,
    recurrence_anchor: "due",
    next_occurrence: null,
    parent_task_id: null,
    reminder_at: null,
    reminder_sent: false,
    reminders: [],
    created_at: "2025-01-01T00:00:00Z",
    updated_at: "2025-01-01T00:00:00Z",
    ...fields,
  };
}

describe("formToBody", () => {
  it("builds the API's fields in the user's zone", () => {
    const result = formToBody(
      {
        ...emptyTaskForm(),
        title: "  Pay rent ",
        tags: ["home"],
        dueDate: "2025-06-02",
        dueTime: "10:00",
        reminders: [
          { mode: "before", offset: "PT1H" },
          { mode: "at", at: { date: "2025-06-01", time: "20:00" } },
        ],
        recurrence: "FREQ=MONTHLY",
        repeatUntil: "2025-12-31",
      },
      "Europe/Paris",
    );
    expect(result).toEqual({
      ok: true,
      body: {
        title: "Pay rent",
        description: "",
        priority: "medium",
        tags: ["home"],
        due_date: "2025-06-02T08:00:00.000Z",
        reminders: [{ before_due: "PT1H" }, { at: "2025-06-01T18:00:00.000Z" }],
        recurring_pattern: "FREQ=MONTHLY",
        recurring_end_date: "2025-12-31T22:59:59.000Z",
        recurrence_anchor: "due",
      },
    });
  });

  it("makes a date without a time due at the end of the day", () => {
    const result = formToBody({ ...emptyTaskForm(), title: "x", dueDate: "2025-06-02" }, "UTC");
    expect(result.ok && result.body.due_date).toBe("2025-06-02T23:59:00.000Z");
  });

  it("names the fields that are wrong", () => {
    const result = formToBody({ ...emptyTaskForm(), reminders: [{ mode: "before", offset: "PT5M" }], recurrence: "FREQ=DAILY;INTERVAL=" }, "UTC");
    expect(result.ok).toBe(false);
    expect(!result.ok && Object.keys(result.fields).sort()).toEqual(["recurring_pattern", "reminders", "reminders.0", "title"]);
  });

  it("refuses a reminder before the due date without one, and more than ten reminders", () => {
    const relative = formToBody({ ...emptyTaskForm(), title: "x", dueTime: "10:00", reminders: [{ mode: "before", offset: "PT15M" }] }, "UTC");
    expect(!relative.ok && relative.fields["reminders.0"]).toEqual(["A reminder before the due date needs a due date."]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ mode: "at" as const, at: { date: "2031-01-01", time: `${String(i + 8).padStart(2, "0")}:00` } }));
    const many = formToBody({ ...emptyTaskForm(), title: "x", reminders: eleven }, "UTC");
    expect(!many.ok && many.fields).toEqual({ reminders: ["A task has at most 10 reminders."] });
    expect(formToBody({ ...emptyTaskForm(), title: "x", reminders: eleven.slice(1) }, "UTC").ok).toBe(true);
  });

  it("sends no reminders for an empty list (and never reminder_at)", () => {
    const result = formToBody({ ...emptyTaskForm(), title: "x" }, "UTC");
    expect(result.ok && result.body.reminders).toEqual([]);
    expect(result.ok && "reminder_at" in result.body).toBe(false);
  });

  it("lets a task without a due date repeat (the server starts the series at the completion)", () => {
    const result = formToBody({ ...emptyTaskForm(), title: "x", recurrence: "FREQ=WEEKLY;BYDAY=MO" }, "UTC");
    expect(result.ok && result.body).toMatchObject({ due_date: null, recurring_pattern: "FREQ=WEEKLY;BYDAY=MO" });
  });

  it("counts a series from each completion when asked, and only a series", () => {
    const repeating = formToBody({ ...emptyTaskForm(), title: "x", recurrence: "FREQ=DAILY;INTERVAL=3", repeatFrom: "completion" }, "UTC");
    expect(repeating.ok && repeating.body.recurrence_anchor).toBe("completion");
    const once = formToBody({ ...emptyTaskForm(), title: "x", repeatFrom: "completion" }, "UTC");
    expect(once.ok && once.body.recurrence_anchor).toBe("due");
  });

  it("refuses a count for a series counted from each completion", () => {
    const result = formToBody({ ...emptyTaskForm(), title: "x", recurrence: "FREQ=DAILY;COUNT=5", repeatFrom: "completion" }, "UTC");
    expect(!result.ok && Object.keys(result.fields)).toEqual(["recurrence_anchor"]);
  });

  it("refuses a pattern the builder left incomplete or a custom rule that is not valid", () => {
    for (const recurrence of ["", "FREQ=MONTHLY;BYMONTHDAY=", "FREQ=WEEKLY;BYDAY=XX", "FREQ=MINUTELY"]) {
      const result = formToBody({ ...emptyTaskForm(), title: "x", dueDate: "2025-06-02", recurrence }, "UTC");
      expect(!result.ok && result.fields.recurring_pattern).toEqual(["Check the repeat settings."]);
    }
  });
});

describe("taskToForm", () => {
  it("shows a stored task in its zone with its reminders", () => {
    const values = taskToForm(
      task({
        due_date: "2025-06-02T08:00:00Z",
        reminders: [
          { at: "2025-05-26T08:00:00Z", before_due: "P7D", pending: false },
          { at: "2025-06-01T18:00:00Z", before_due: null, pending: true },
          { at: "2025-06-02T07:15:00Z", before_due: "PT45M", pending: true },
          { at: "2025-06-02T07:45:00Z", before_due: "PT15M", pending: true },
        ],
        tags: ["a"],
        recurring_pattern: "FREQ=DAILY",
      }),
      "Europe/Paris",
    );
    expect(values).toMatchObject({
      dueDate: "2025-06-02",
      dueTime: "10:00",
      reminders: [
        { mode: "before", offset: "P1W" }, // the server's P7D is the listed week
        { mode: "at", at: { date: "2025-06-01", time: "20:00" } },
        { mode: "before", offset: "PT45M" }, // not listed: kept as it is
        { mode: "before", offset: "PT15M" },
      ],
      recurrence: "FREQ=DAILY",
    });
  });

  it("round-trips several reminders through the form", () => {
    const stored = task({
      due_date: "2031-03-05T09:00:00Z",
      reminders: [
        { at: "2031-03-04T09:00:00Z", before_due: "P1D", pending: true },
        { at: "2031-03-04T12:30:00Z", before_due: null, pending: true },
        { at: "2031-03-05T08:15:00Z", before_due: "PT45M", pending: true },
        { at: "2031-03-05T09:00:00Z", before_due: "PT0S", pending: true },
      ],
    });
    const result = formToBody(taskToForm(stored, "America/New_York"), "America/New_York");
    expect(result.ok && result.body).toMatchObject({
      due_date: "2031-03-05T09:00:00.000Z",
      reminders: [{ before_due: "P1D" }, { at: "2031-03-04T12:30:00.000Z" }, { before_due: "PT45M" }, { before_due: "PT0S" }],
    });
    expect(taskToForm(task({}), "UTC").reminders).toEqual([]);
  });

  it("keeps what a series is counted from", () => {
    expect(taskToForm(task({ recurring_pattern: "FREQ=DAILY", recurrence_anchor: "completion" }), "UTC").repeatFrom).toBe("completion");
  });
});

describe("series", () => {
  it("knows a series' root and which tasks belong to one", () => {
    const root = task({ id: 10, recurring_pattern: "FREQ=DAILY", due_date: "2025-06-01T08:00:00Z" });
    const second = task({ id: 12, parent_task_id: 10, due_date: "2025-06-02T08:00:00Z" });
    expect(seriesRootId(second)).toBe(10);
    expect(seriesRootId(root)).toBe(10);
    expect(isInSeries(root) && isInSeries(second) && !isInSeries(task({}))).toBe(true);
  });

  it("tells done, skipped and open occurrences apart", () => {
    const at = "2025-06-02T08:00:00Z";
    expect(outcomeOf(task({ completed: true, completed_at: at }))).toBe("done");
    expect(outcomeOf(task({ completed: true, completed_at: at, skipped: true }))).toBe("skipped");
    expect(outcomeOf(task({}))).toBe("open");
  });
});

describe("helpers", () => {
  it("collects distinct tags", () => {
    expect(collectTags([task({ tags: ["b", "a"] }), task({ tags: ["a", "B"] })])).toEqual(["a", "b", "B"]);
  });
  it("only redirects inside the site", () => {
    expect(safeNextPath("/tasks/3?x=1")).toBe("/tasks/3?x=1");
    expect(safeNextPath("//evil.example")).toBe("/tasks");
    expect(safeNextPath("https://evil.example")).toBe("/tasks");
    expect(safeNextPath("/\\evil.example")).toBe("/tasks");
    expect(safeNextPath(null)).toBe("/tasks");
  });
});
