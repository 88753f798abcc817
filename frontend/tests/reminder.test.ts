import { describe, expect, it } from "vitest";
import { computeReminder, reminderChoiceOf } from "@/lib/reminder";

const due = new Date("2025-06-02T10:00:00Z");

describe("computeReminder", () => {
  it("computes an offset before the due time", () => {
    expect(computeReminder({ mode: "before", minutes: 15 }, due, "UTC")).toEqual({ ok: true, reminderAt: "2025-06-02T09:45:00.000Z" });
    expect(computeReminder({ mode: "before", minutes: 24 * 60 }, due, "UTC")).toEqual({ ok: true, reminderAt: "2025-06-01T10:00:00.000Z" });
  });
  it("needs a due date for an offset", () => {
    expect(computeReminder({ mode: "before", minutes: 15 }, null, "UTC").ok).toBe(false);
  });
  it("takes a wall-clock time in the zone", () => {
    expect(computeReminder({ mode: "at", at: { date: "2025-06-02", time: "08:00" } }, null, "Europe/Berlin")).toEqual({
      ok: true,
      reminderAt: "2025-06-02T06:00:00.000Z",
    });
    expect(computeReminder({ mode: "at", at: { date: "", time: "08:00" } }, null, "UTC").ok).toBe(false);
  });
  it("is null without a reminder", () => {
    expect(computeReminder({ mode: "none" }, due, "UTC")).toEqual({ ok: true, reminderAt: null });
  });
});

describe("reminderChoiceOf", () => {
  const at = { date: "2025-06-02", time: "09:45" };
  it("recognises a listed offset", () => {
    expect(reminderChoiceOf("2025-06-02T09:45:00Z", "2025-06-02T10:00:00Z", at)).toEqual({ mode: "before", minutes: 15 });
  });
  it("falls back to a time", () => {
    expect(reminderChoiceOf("2025-06-02T09:44:00Z", "2025-06-02T10:00:00Z", at)).toEqual({ mode: "at", at });
    expect(reminderChoiceOf("2025-06-02T09:45:00Z", null, at)).toEqual({ mode: "at", at });
    expect(reminderChoiceOf(null, null, at)).toEqual({ mode: "none" });
  });
});
