import { describe, expect, it } from "vitest";
import { computeReminder, REMINDER_OFFSETS, reminderChoiceOf, reminderOffsetLabel } from "@/lib/reminder";

const due = new Date("2025-06-02T10:00:00Z");

describe("reminder offsets", () => {
  it("are ISO 8601 durations with the labels people read", () => {
    expect(REMINDER_OFFSETS.map(reminderOffsetLabel)).toEqual([
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
});

describe("computeReminder", () => {
  it("computes an offset before the due time", () => {
    expect(computeReminder({ mode: "before", offset: "PT15M" }, due, "UTC")).toEqual({ ok: true, reminderAt: "2025-06-02T09:45:00.000Z" });
    expect(computeReminder({ mode: "before", offset: "P1D" }, due, "UTC")).toEqual({ ok: true, reminderAt: "2025-06-01T10:00:00.000Z" });
    expect(computeReminder({ mode: "before", offset: "PT0S" }, due, "UTC")).toEqual({ ok: true, reminderAt: "2025-06-02T10:00:00.000Z" });
  });
  it("counts a day as 24 hours across a DST change, as the server's offset hours do", () => {
    // New York springs forward on 14 March 2027: 09:00 EDT is 13:00Z; a day before is 08:00 EST.
    expect(computeReminder({ mode: "before", offset: "P1D" }, new Date("2027-03-14T13:00:00Z"), "America/New_York")).toEqual({
      ok: true,
      reminderAt: "2027-03-13T13:00:00.000Z",
    });
  });
  it("needs a due date and a real duration for an offset", () => {
    expect(computeReminder({ mode: "before", offset: "PT15M" }, null, "UTC").ok).toBe(false);
    expect(computeReminder({ mode: "before", offset: "15" }, due, "UTC").ok).toBe(false);
  });
  it("takes a wall-clock time in the zone, with the server's DST rules", () => {
    expect(computeReminder({ mode: "at", at: { date: "2025-06-02", time: "08:00" } }, null, "Europe/Berlin")).toEqual({
      ok: true,
      reminderAt: "2025-06-02T06:00:00.000Z",
    });
    // Skipped: moves to 03:00 CEST; repeated: the first 02:30 (CEST).
    expect(computeReminder({ mode: "at", at: { date: "2027-03-28", time: "02:30" } }, null, "Europe/Berlin")).toEqual({
      ok: true,
      reminderAt: "2027-03-28T01:00:00.000Z",
    });
    expect(computeReminder({ mode: "at", at: { date: "2027-10-31", time: "02:30" } }, null, "Europe/Berlin")).toEqual({
      ok: true,
      reminderAt: "2027-10-31T00:30:00.000Z",
    });
    expect(computeReminder({ mode: "at", at: { date: "", time: "08:00" } }, null, "UTC").ok).toBe(false);
    expect(computeReminder({ mode: "at", at: { date: "2025-02-31", time: "08:00" } }, null, "UTC").ok).toBe(false);
  });
  it("is null without a reminder", () => {
    expect(computeReminder({ mode: "none" }, due, "UTC")).toEqual({ ok: true, reminderAt: null });
  });
});

describe("reminderChoiceOf", () => {
  const at = { date: "2025-06-02", time: "09:45" };
  it("recognises a listed offset", () => {
    expect(reminderChoiceOf("2025-06-02T09:45:00Z", "2025-06-02T10:00:00Z", at)).toEqual({ mode: "before", offset: "PT15M" });
    expect(reminderChoiceOf("2025-06-01T10:00:00Z", "2025-06-02T10:00:00Z", at)).toEqual({ mode: "before", offset: "P1D" });
    expect(reminderChoiceOf("2025-05-26T10:00:00Z", "2025-06-02T10:00:00Z", at)).toEqual({ mode: "before", offset: "P1W" });
    expect(reminderChoiceOf("2025-06-02T10:00:00Z", "2025-06-02T10:00:00Z", at)).toEqual({ mode: "before", offset: "PT0S" });
  });
  it("falls back to a time", () => {
    expect(reminderChoiceOf("2025-06-02T09:44:00Z", "2025-06-02T10:00:00Z", at)).toEqual({ mode: "at", at });
    expect(reminderChoiceOf("2025-06-02T10:15:00Z", "2025-06-02T10:00:00Z", at)).toEqual({ mode: "at", at });
    expect(reminderChoiceOf("2025-06-02T09:45:00Z", null, at)).toEqual({ mode: "at", at });
    expect(reminderChoiceOf(null, null, at)).toEqual({ mode: "none" });
  });
});
