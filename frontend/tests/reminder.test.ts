import { describe, expect, it } from "vitest";
import {
  listedOffset,
  MAX_REMINDERS,
  newReminder,
  offsetOptions,
  type ReminderChoice,
  reminderChoiceOf,
  reminderMessages,
  reminderOffsetLabel,
  reminderOfMode,
  remindersToInput,
} from "@/lib/reminder";

describe("reminder offsets", () => {
  it("are ISO 8601 durations with the labels people read", () => {
    expect(offsetOptions("PT15M").map(reminderOffsetLabel)).toEqual([
      "At the due time",
      "5 minutes before",
      "15 minutes before",
      "30 minutes before",
      "1 hour before",
      "2 hours before",
      "1 day before",
      "2 days before",
      "1 week before",
    ]);
  });

  it("match the server's durations to the listed ones by length", () => {
    expect(listedOffset("P7D")).toBe("P1W");
    expect(listedOffset("PT60M")).toBe("PT1H");
    expect(listedOffset("PT15M")).toBe("PT15M");
    expect(listedOffset("PT0S")).toBe("PT0S");
    expect(listedOffset("PT45M")).toBe("PT45M");
    expect(listedOffset("nonsense")).toBe("nonsense");
  });

  it("offer an offset that is not listed in its place, so that it still shows", () => {
    const options = offsetOptions("PT45M");
    expect(options.slice(3, 6)).toEqual(["PT30M", "PT45M", "PT1H"]);
    expect(options).toHaveLength(10);
    expect(offsetOptions("P3W").at(-1)).toBe("P3W");
    expect(offsetOptions("P1M").at(-1)).toBe("P1M");
    expect(reminderOffsetLabel("PT45M")).toBe("45 minutes before");
  });
});

describe("new reminders", () => {
  it("are 15 minutes before a due date, else at the due day's time or 09:00", () => {
    expect(newReminder({ dueDate: "2025-06-02", dueTime: "" })).toEqual({ mode: "before", offset: "PT15M" });
    expect(newReminder({ dueDate: "", dueTime: "" })).toEqual({ mode: "at", at: { date: "", time: "09:00" } });
    expect(reminderOfMode("at", { dueDate: "2025-06-02", dueTime: "18:30" })).toEqual({
      mode: "at",
      at: { date: "2025-06-02", time: "18:30" },
    });
    expect(reminderOfMode("before", { dueDate: "", dueTime: "" })).toEqual({ mode: "before", offset: "PT15M" });
  });
});

describe("reminderChoiceOf", () => {
  const wall = (instant: string) => ({ date: instant.slice(0, 10), time: instant.slice(11, 16) });
  it("keeps a relative reminder relative, as listed when it is", () => {
    expect(reminderChoiceOf({ at: "2025-05-26T10:00:00Z", before_due: "P7D", pending: true }, wall)).toEqual({ mode: "before", offset: "P1W" });
    expect(reminderChoiceOf({ at: null, before_due: "PT45M", pending: true }, wall)).toEqual({ mode: "before", offset: "PT45M" });
  });
  it("shows a reminder at an instant as its wall-clock time", () => {
    expect(reminderChoiceOf({ at: "2025-06-02T09:44:00Z", before_due: null, pending: false }, wall)).toEqual({
      mode: "at",
      at: { date: "2025-06-02", time: "09:44" },
    });
  });
});

describe("remindersToInput", () => {
  it("sends relative reminders as durations (the server computes them) and times as instants", () => {
    const choices: ReminderChoice[] = [
      { mode: "before", offset: "P1D" },
      { mode: "before", offset: "PT0S" },
      { mode: "at", at: { date: "2025-06-02", time: "08:00" } },
    ];
    expect(remindersToInput(choices, true, "Europe/Berlin")).toEqual({
      ok: true,
      reminders: [{ before_due: "P1D" }, { before_due: "PT0S" }, { at: "2025-06-02T06:00:00.000Z" }],
    });
    expect(remindersToInput([], false, "UTC")).toEqual({ ok: true, reminders: [] });
  });

  it("takes a wall-clock time in the zone, with the server's DST rules", () => {
    // Skipped: moves to 03:00 CEST; repeated: the first 02:30 (CEST), or the second when the fold says so.
    const at = (date: string, time: string, fold?: 0 | 1): ReminderChoice => ({ mode: "at", at: { date, time, ...(fold ? { fold } : {}) } });
    expect(remindersToInput([at("2027-03-28", "02:30"), at("2027-10-31", "02:30"), at("2027-10-31", "02:30", 1)], false, "Europe/Berlin")).toEqual({
      ok: true,
      reminders: [{ at: "2027-03-28T01:00:00.000Z" }, { at: "2027-10-31T00:30:00.000Z" }, { at: "2027-10-31T01:30:00.000Z" }],
    });
  });

  it("refuses a relative reminder without a due date, under the reminder and the list", () => {
    const result = remindersToInput([{ mode: "at", at: { date: "2025-06-02", time: "08:00" } }, { mode: "before", offset: "PT15M" }], false, "UTC");
    expect(result).toEqual({
      ok: false,
      fields: {
        reminders: ["A reminder before the due date needs a due date."],
        "reminders.1": ["A reminder before the due date needs a due date."],
      },
    });
  });

  it("refuses a time without its date, an impossible date and a duration the server does not take", () => {
    const result = remindersToInput(
      [
        { mode: "at", at: { date: "", time: "08:00" } },
        { mode: "at", at: { date: "2025-02-31", time: "08:00" } },
        { mode: "before", offset: "P1M" },
        { mode: "before", offset: "P367D" },
      ],
      true,
      "UTC",
    );
    expect(!result.ok && result.fields).toMatchObject({
      "reminders.0": ["Give the reminder's date and time."],
      "reminders.1": ["Not a valid date and time."],
      "reminders.2": ["Choose how long before the due date (up to 366 days)."],
      "reminders.3": ["Choose how long before the due date (up to 366 days)."],
    });
  });

  it(`refuses more than ${MAX_REMINDERS}`, () => {
    const offsets = (count: number) => Array.from({ length: count }, (_, i): ReminderChoice => ({ mode: "before", offset: `PT${i + 1}M` }));
    expect(remindersToInput(offsets(MAX_REMINDERS), true, "UTC").ok).toBe(true);
    expect(remindersToInput(offsets(MAX_REMINDERS + 1), true, "UTC")).toEqual({
      ok: false,
      fields: { reminders: ["A task has at most 10 reminders."] },
    });
  });
});

describe("reminderMessages", () => {
  it("puts each reminder's messages on its row, and the list's (without their copies) below", () => {
    // As src/api/errors.ts flattens them: nested messages count for `reminders` too.
    const fields = {
      reminders: ["Not a valid duration.", "Give at or before_due.", "Two reminders fall at the same instant."],
      "reminders.0.before_due": ["Not a valid duration."],
      "reminders.2.at": ["Give at or before_due."],
      reminder_at: ["Must lie ahead."],
      title: ["Give the task a title."],
    };
    expect(reminderMessages(fields, 3)).toEqual({
      rows: [["Not a valid duration."], [], ["Give at or before_due."]],
      list: ["Two reminders fall at the same instant.", "Must lie ahead."],
    });
  });
  it("names a reminder that has no row any more", () => {
    expect(reminderMessages({ reminders: ["Not a valid duration."], "reminders.1.before_due": ["Not a valid duration."] }, 1)).toEqual({
      rows: [[]],
      list: ["Reminder 2: Not a valid duration."],
    });
    expect(reminderMessages({}, 0)).toEqual({ rows: [], list: [] });
  });
});
