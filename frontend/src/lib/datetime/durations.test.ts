// ISO 8601 durations for reminders, and the reminder instant they give (exact hours, like the server's
// reminder_offset_hours: a day before 09:00 on the day after a DST change is 08:00 local, 24 h earlier).

import { describe, expect, it } from "vitest";
import {
  describeDuration,
  durationToHours,
  durationToMs,
  formatDuration,
  isValidReminderOffset,
  normalizeDuration,
  offsetBefore,
  parseDuration,
  reminderBefore,
} from "./durations";
import { instantToLocal } from "./local";

const span = (fields: Partial<Record<"weeks" | "days" | "hours" | "minutes" | "seconds", number>>) => ({
  weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, ...fields,
});

describe("parseDuration / formatDuration", () => {
  it.each([
    ["PT15M", span({ minutes: 15 })],
    ["PT1H30M", span({ hours: 1, minutes: 30 })],
    ["P1D", span({ days: 1 })],
    ["P2W", span({ weeks: 2 })],
    ["P1DT12H", span({ days: 1, hours: 12 })],
    ["PT45S", span({ seconds: 45 })],
    ["PT0S", span({})],
  ])("%s", (text, duration) => {
    expect(parseDuration(text)).toEqual(duration);
    expect(formatDuration(duration)).toBe(text);
  });

  it("reads lower case and surrounding spaces", () => {
    expect(parseDuration(" pt5m ")).toEqual(span({ minutes: 5 }));
  });

  it("refuses months, years, fractions, signs and empty forms", () => {
    for (const bad of ["P1M", "P1Y", "PT1.5H", "-PT5M", "P", "PT", "P1DT", "15M", "PT5M1H", ""]) {
      expect(parseDuration(bad)).toBeNull();
    }
  });

  it("folds weeks into days when other units are present", () => {
    expect(formatDuration(span({ weeks: 1, days: 1 }))).toBe("P8D");
    expect(formatDuration(span({ minutes: 90 }))).toBe("PT90M");
  });
});

describe("arithmetic", () => {
  it("converts to milliseconds and the API's reminder_offset_hours", () => {
    expect(durationToMs(span({ minutes: 15 }))).toBe(900_000);
    expect(durationToHours(span({ minutes: 15 }))).toBe(0.25);
    expect(durationToHours(span({ weeks: 1, days: 1 }))).toBe(192);
  });

  it("normalizes a span into the largest units", () => {
    expect(normalizeDuration(90 * 60_000)).toEqual(span({ hours: 1, minutes: 30 }));
    expect(normalizeDuration(8 * 86_400_000 + 1_000)).toEqual(span({ weeks: 1, days: 1, seconds: 1 }));
  });

  it("checks the server's limits (0 to 366 days)", () => {
    expect(isValidReminderOffset(span({ days: 366 }))).toBe(true);
    expect(isValidReminderOffset(span({ days: 366, seconds: 1 }))).toBe(false);
  });
});

describe("reminders", () => {
  it("puts '15 minutes before due' 15 minutes before", () => {
    expect(reminderBefore("2027-03-14T13:00:00Z", "PT15M").toISOString()).toBe("2027-03-14T12:45:00.000Z");
    expect(reminderBefore(new Date("2027-03-14T13:00:00Z"), span({ hours: 2 })).toISOString()).toBe(
      "2027-03-14T11:00:00.000Z",
    );
  });

  it("counts a day as 24 hours across a DST change, as the server does", () => {
    const reminder = reminderBefore("2027-03-15T13:00:00Z", "P1D"); // 09:00 EDT on 15 March
    expect(reminder.toISOString()).toBe("2027-03-14T13:00:00.000Z");
    expect(instantToLocal(reminder, "America/New_York")).toEqual({ date: "2027-03-14", time: "09:00" });
    const overDst = reminderBefore("2027-03-14T13:00:00Z", "P1D"); // 09:00 EDT, the day DST starts
    expect(instantToLocal(overDst, "America/New_York")).toEqual({ date: "2027-03-13", time: "08:00" });
  });

  it("recovers the offset of a stored reminder for editing", () => {
    expect(offsetBefore("2027-03-14T13:00:00Z", "2027-03-14T12:45:00Z")).toEqual(span({ minutes: 15 }));
    expect(offsetBefore("2027-03-14T13:00:00Z", "2027-03-14T13:05:00Z")).toBeNull();
  });

  it("refuses a bad duration or due date", () => {
    expect(() => reminderBefore("2027-03-14T13:00:00Z", "P1M")).toThrow(RangeError);
    expect(() => reminderBefore("not a date", "PT5M")).toThrow(RangeError);
  });
});

describe("describeDuration", () => {
  it("names each unit for people", () => {
    expect(describeDuration(span({ minutes: 15 }), "en")).toBe("15 minutes");
    expect(describeDuration(span({ days: 1, hours: 2 }), "en")).toBe("1 day, 2 hours");
    expect(describeDuration(span({ weeks: 1 }), "de")).toBe("1 Woche");
    expect(describeDuration(span({}), "en")).toBe("0 minutes");
  });
});
