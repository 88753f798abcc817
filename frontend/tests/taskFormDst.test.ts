// The task form's local <-> instant conversions go through src/lib/datetime and agree with the server:
// a skipped local time moves forward to the first instant after the gap, a repeated one is its first reading.
import { describe, expect, it } from "vitest";
import type { Task } from "@/api/types";
import { filtersToQuery, parseFilters } from "@/lib/filters";
import { dueInstant, emptyTaskForm, formToBody, localTimeNote, taskToForm } from "@/lib/taskForm";

const form = (dueDate: string, dueTime: string) => ({ ...emptyTaskForm(), title: "x", dueDate, dueTime });

describe("due dates across DST changes", () => {
  it.each([
    // [zone, date, time, the server's instant]
    ["America/New_York", "2027-03-14", "02:30", "2027-03-14T07:00:00.000Z"], // skipped -> 03:00 EDT
    ["America/New_York", "2027-11-07", "01:30", "2027-11-07T05:30:00.000Z"], // repeated -> 01:30 EDT
    ["Europe/Berlin", "2027-03-28", "02:30", "2027-03-28T01:00:00.000Z"], // skipped -> 03:00 CEST
    ["Europe/Berlin", "2027-10-31", "02:30", "2027-10-31T00:30:00.000Z"], // repeated -> 02:30 CEST
    ["Europe/Berlin", "2027-10-31", "03:00", "2027-10-31T02:00:00.000Z"], // after the fold
    ["Australia/Lord_Howe", "2027-10-03", "02:15", "2027-10-02T15:30:00.000Z"], // a 30-minute gap -> 02:30
    ["Asia/Kolkata", "2027-03-14", "09:30", "2027-03-14T04:00:00.000Z"],
  ])("%s %s %s is due at %s", (zone, date, time, instant) => {
    expect(dueInstant(form(date, time), zone)).toBe(instant);
    const result = formToBody(form(date, time), zone);
    expect(result.ok && result.body.due_date).toBe(instant);
  });

  it("ends a day without a time at 23:59 and a series at 23:59:59 local", () => {
    const result = formToBody({ ...form("2027-03-14", ""), recurrence: "DAILY", repeatUntil: "2027-03-20" }, "America/New_York");
    expect(result.ok && result.body).toMatchObject({
      due_date: "2027-03-15T03:59:00.000Z",
      recurring_end_date: "2027-03-21T03:59:59.000Z",
    });
  });

  it("leaves an offset reminder to the server, which counts it from the converted due date", () => {
    const result = formToBody({ ...form("2027-03-28", "02:30"), reminders: [{ mode: "before", offset: "PT30M" }] }, "Europe/Berlin");
    expect(result.ok && result.body).toMatchObject({ due_date: "2027-03-28T01:00:00.000Z", reminders: [{ before_due: "PT30M" }] });
  });

  it("takes each reminder's time with the server's DST rules", () => {
    const result = formToBody(
      {
        ...form("2027-10-31", "12:00"),
        reminders: [
          { mode: "at", at: { date: "2027-03-28", time: "02:30" } }, // skipped -> 03:00 CEST
          { mode: "at", at: { date: "2027-10-31", time: "02:30" } }, // repeated -> the first, CEST
        ],
      },
      "Europe/Berlin",
    );
    expect(result.ok && result.body.reminders).toEqual([{ at: "2027-03-28T01:00:00.000Z" }, { at: "2027-10-31T00:30:00.000Z" }]);
  });

  it("shows a stored task's local times in its zone, seconds included when there are some", () => {
    const task = {
      id: 1, user_id: "u", title: "t", description: "", completed: false, completed_at: null, skipped: false, priority: "medium", tags: [],
      due_date: "2027-10-31T01:30:00Z", timezone: "Europe/Berlin", recurring_pattern: null, recurring_end_date: null, recurrence_anchor: "due",
      next_occurrence: null, parent_task_id: null, reminder_at: "2027-10-31T01:29:30Z", reminder_sent: false,
      reminders: [
        { at: "2027-10-31T01:29:30Z", before_due: null, pending: true },
        { at: "2027-10-31T01:00:00Z", before_due: "PT30M", pending: true },
      ],
      created_at: "2027-01-01T00:00:00Z", updated_at: "2027-01-01T00:00:00Z",
    } satisfies Task;
    // 01:30Z is the second 02:30 (CET): shown as 02:30 and, untouched, saved back as that same instant.
    const values = taskToForm(task, "Europe/Berlin");
    expect(values).toMatchObject({
      dueDate: "2027-10-31",
      dueTime: "02:30",
      dueFold: 1,
      reminders: [{ mode: "at", at: { date: "2027-10-31", time: "02:29:30", fold: 1 } }, { mode: "before", offset: "PT30M" }],
    });
    const body = formToBody(values, "Europe/Berlin");
    expect(body.ok && body.body).toMatchObject({
      due_date: "2027-10-31T01:30:00.000Z",
      reminders: [{ at: "2027-10-31T01:29:30.000Z" }, { before_due: "PT30M" }],
    });
    expect(localTimeNote(values.dueDate, values.dueTime, "Europe/Berlin", values.dueFold)).toBe(
      "02:30 happens twice on 2027-10-31 in Europe/Berlin (the clocks go back): the second one (GMT+1) counts.",
    );
    // A time typed afresh (fold reset by the form) is the first reading, as on the server.
    expect(dueInstant({ ...values, dueFold: 0 }, "Europe/Berlin")).toBe("2027-10-31T00:30:00.000Z");
    // The first reading of a stored task needs no fold.
    expect(taskToForm({ ...task, due_date: "2027-10-31T00:30:00Z" }, "Europe/Berlin").dueFold).toBeUndefined();
  });

  it("refuses dates that do not exist", () => {
    expect(dueInstant(form("2027-02-29", "10:00"), "UTC")).toBeUndefined();
    expect(formToBody(form("2027-02-29", "10:00"), "UTC").ok).toBe(false);
  });
});

describe("localTimeNote", () => {
  it("says when a local time is skipped or repeated", () => {
    expect(localTimeNote("2027-03-14", "02:30", "America/New_York")).toBe(
      "02:30 does not exist on 2027-03-14 in America/New_York (the clocks go forward): it becomes 03:00.",
    );
    expect(localTimeNote("2027-11-07", "01:30", "America/New_York")).toBe(
      "01:30 happens twice on 2027-11-07 in America/New_York (the clocks go back): the first one (EDT) counts.",
    );
    expect(localTimeNote("2027-10-03", "02:15", "Australia/Lord_Howe")).toMatch(/it becomes 02:30\.$/);
  });
  it("says nothing for an ordinary or malformed time", () => {
    expect(localTimeNote("2027-03-14", "03:00", "America/New_York")).toBeNull();
    expect(localTimeNote("2027-03-13", "02:30", "America/New_York")).toBeNull();
    expect(localTimeNote("2027-03-14", "", "America/New_York")).toBeNull();
    expect(localTimeNote("", "02:30", "America/New_York")).toBeNull();
  });
});

describe("list filters' day boundaries", () => {
  it("start a day whose midnight is skipped at the first instant after the gap", () => {
    // Santiago, 6 September 2026: 00:00 -> 01:00 (-04 -> -03).
    const query = filtersToQuery(parseFilters(new URLSearchParams("due_after=2026-09-05&due_before=2026-09-06")), "America/Santiago");
    expect(query.due_before).toBe("2026-09-06T04:00:00.000Z");
    expect(query.due_after).toBe("2026-09-06T03:59:59.999Z");
  });
});
