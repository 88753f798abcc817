// The builder's state <-> the stored pattern: the rules the presets produce, round trips, and what falls
// back to `custom`.

import { describe, expect, it } from "vitest";
import { validateRule } from "./rule";
import { type RecurrenceSpec, ruleToSpec, specToRule } from "./spec";

const never = { kind: "never" } as const;

const PRESETS: [RecurrenceSpec, string][] = [
  [{ preset: "daily", interval: 1, end: never }, "FREQ=DAILY"],
  [{ preset: "daily", interval: 2, end: { kind: "after", count: 5 } }, "FREQ=DAILY;INTERVAL=2;COUNT=5"],
  [{ preset: "daily", interval: 1, end: { kind: "after", count: 5 } }, "FREQ=DAILY;COUNT=5"],
  [{ preset: "weekdays", interval: 1, end: never }, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"],
  [{ preset: "weekly", days: ["MO", "TH"], interval: 1, end: never }, "FREQ=WEEKLY;BYDAY=MO,TH"],
  [{ preset: "weekly", days: [], interval: 1, end: never }, "FREQ=WEEKLY"],
  [{ preset: "weekly", days: ["SA", "SU"], interval: 3, end: { kind: "on", date: "2027-12-31" } },
    "FREQ=WEEKLY;INTERVAL=3;BYDAY=SA,SU;UNTIL=20271231"],
  [{ preset: "monthly-day", day: 15, interval: 1, end: never }, "FREQ=MONTHLY;BYMONTHDAY=15"],
  [{ preset: "monthly-day", day: 31, interval: 1, end: never }, "FREQ=MONTHLY;BYMONTHDAY=31"],
  [{ preset: "monthly-day", day: null, interval: 6, end: never }, "FREQ=MONTHLY;INTERVAL=6"],
  [{ preset: "monthly-last-day", interval: 1, end: never }, "FREQ=MONTHLY;BYMONTHDAY=-1"],
  [{ preset: "yearly", interval: 1, end: { kind: "after", count: 10 } }, "FREQ=YEARLY;COUNT=10"],
  [{ preset: "custom", rule: "FREQ=MONTHLY;BYDAY=-1FR" }, "FREQ=MONTHLY;BYDAY=-1FR"],
];

describe("specToRule", () => {
  it.each(PRESETS)("%j -> %s", (spec, rule) => {
    expect(specToRule(spec)).toBe(rule);
    expect(validateRule(rule)).toEqual({ ok: true });
  });

  it("orders and de-duplicates weekdays", () => {
    expect(specToRule({ preset: "weekly", days: ["TH", "MO", "TH"], interval: 1, end: never })).toBe(
      "FREQ=WEEKLY;BYDAY=MO,TH",
    );
  });

  it("normalizes a custom rule as the server will store it", () => {
    expect(specToRule({ preset: "custom", rule: " rrule:freq=monthly;byday=-1fr " })).toBe("FREQ=MONTHLY;BYDAY=-1FR");
  });

  it("refuses impossible builder states", () => {
    expect(() => specToRule({ preset: "daily", interval: 0, end: never })).toThrow(RangeError);
    expect(() => specToRule({ preset: "daily", interval: 1.5, end: never })).toThrow(RangeError);
    expect(() => specToRule({ preset: "daily", interval: 1, end: { kind: "after", count: 0 } })).toThrow(RangeError);
    expect(() => specToRule({ preset: "daily", interval: 1, end: { kind: "on", date: "2027-02-30" } })).toThrow(
      RangeError,
    );
    expect(() => specToRule({ preset: "monthly-day", day: 32, interval: 1, end: never })).toThrow(RangeError);
    expect(() => specToRule({ preset: "custom", rule: "FREQ=MINUTELY" })).toThrow("not supported");
  });
});

describe("ruleToSpec", () => {
  it.each(PRESETS)("round trip %j", (spec) => {
    expect(ruleToSpec(specToRule(spec))).toEqual(spec);
  });

  it("reads the API's shorthands", () => {
    expect(ruleToSpec("DAILY")).toEqual({ preset: "daily", interval: 1, end: never });
    expect(ruleToSpec("weekly")).toEqual({ preset: "weekly", days: [], interval: 1, end: never });
    expect(ruleToSpec("MONTHLY")).toEqual({ preset: "monthly-day", day: null, interval: 1, end: never });
    expect(ruleToSpec("YEARLY")).toEqual({ preset: "yearly", interval: 1, end: never });
  });

  it("reads weekdays written in any order as the weekdays preset", () => {
    expect(ruleToSpec("FREQ=WEEKLY;BYDAY=FR,TH,WE,TU,MO;INTERVAL=2")).toEqual({
      preset: "weekdays", interval: 2, end: never,
    });
  });

  it("keeps a date-only UNTIL as the end date", () => {
    expect(ruleToSpec("RRULE:FREQ=DAILY;UNTIL=20280229")).toEqual({
      preset: "daily", interval: 1, end: { kind: "on", date: "2028-02-29" },
    });
  });

  it.each([
    ["FREQ=MONTHLY;BYDAY=-1FR"],
    ["FREQ=WEEKLY;BYDAY=1MO"],
    ["FREQ=WEEKLY;WKST=SU;BYDAY=MO"],
    ["FREQ=DAILY;UNTIL=20271231T090000Z"],
    ["FREQ=DAILY;UNTIL=20271231T090000"],
    ["FREQ=MONTHLY;BYMONTHDAY=-2"],
    ["FREQ=MONTHLY;BYMONTHDAY=1,15"],
    ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"],
    ["FREQ=HOURLY;INTERVAL=4"],
    ["FREQ=DAILY;BYHOUR=9,17"],
  ])("keeps %s as a custom rule", (rule) => {
    expect(ruleToSpec(rule)).toEqual({ preset: "custom", rule });
  });

  it("keeps a valid but unusual rule in the server's normal form", () => {
    expect(ruleToSpec("freq=monthly;byday=-1fr")).toEqual({ preset: "custom", rule: "FREQ=MONTHLY;BYDAY=-1FR" });
  });

  it("keeps an invalid rule as typed, for the person to correct", () => {
    expect(ruleToSpec(" FREQ=DAILY;COUNT=0 ")).toEqual({ preset: "custom", rule: "FREQ=DAILY;COUNT=0" });
    expect(ruleToSpec("every day")).toEqual({ preset: "custom", rule: "every day" });
  });
});
