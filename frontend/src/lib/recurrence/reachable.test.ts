// The guard that spares the preview a scan to the year 9999: it must never say "no" for a rule that matches.

import { describe, expect, it } from "vitest";
import { makeWall } from "../datetime/zones";
import { mayOccur } from "./reachable";
import { parseRule } from "./rule";

const start = makeWall(2027, 3, 1, 9); // Monday 1 March 2027, 09:00
const century = makeWall(2127, 12, 31, 23, 59, 59);
const may = (rule: string, from = start, limit = century) => mayOccur(parseRule(rule), from, limit);

describe("mayOccur", () => {
  it.each([
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=MONTHLY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=DAILY;INTERVAL=7;BYDAY=TU",
    "FREQ=WEEKLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=-30",
    "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=HOURLY;INTERVAL=48;BYHOUR=0",
  ])("knows %s never matches from Monday 1 March 2027, 09:00", (rule) => {
    expect(may(rule)).toBe(false);
  });

  it.each([
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
    "FREQ=YEARLY;BYYEARDAY=366",
    "FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH",
    "FREQ=DAILY;INTERVAL=7;BYDAY=MO",
    "FREQ=HOURLY;INTERVAL=24;BYHOUR=0,9",
    "FREQ=YEARLY;INTERVAL=4",
    "MONTHLY",
  ])("lets %s through", (rule) => {
    expect(may(rule)).toBe(true);
  });

  it("stops at the limit", () => {
    expect(may("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", start, makeWall(2028, 2, 28))).toBe(false);
    expect(may("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", start, makeWall(2028, 2, 29))).toBe(true);
  });
});
