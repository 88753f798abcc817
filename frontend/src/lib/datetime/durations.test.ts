// ISO 8601 durations for reminders: parsed, formatted, described, checked against the server's limits.

import { describe, expect, it } from "vitest";
import {
  describeDuration,
  durationToMs,
  formatDuration,
  isValidReminderOffset,
  parseDuration,
} from "./durations";

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
  it("converts to milliseconds", () => {
    expect(durationToMs(span({ minutes: 15 }))).toBe(900_000);
    expect(durationToMs(span({ weeks: 1, days: 1 }))).toBe(192 * 3_600_000);
  });

  it("checks the server's limits (0 to 366 days)", () => {
    expect(isValidReminderOffset(span({ days: 366 }))).toBe(true);
    expect(isValidReminderOffset(span({ days: 366, seconds: 1 }))).toBe(false);
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
