// Sentences for patterns.

import { describe, expect, it } from "vitest";
import { describeRule } from "./describe";
import { InvalidRuleError } from "./rule";

const ny = { timeZone: "America/New_York" };

describe("describeRule", () => {
  it.each([
    ["DAILY", "Every day"],
    ["FREQ=DAILY;INTERVAL=2;COUNT=5", "Every 2 days, 5 times"],
    ["FREQ=DAILY;COUNT=1", "Every day, once"],
    ["FREQ=WEEKLY;BYDAY=MO,TH", "Every week on Monday and Thursday"],
    ["FREQ=WEEKLY;BYDAY=MO,WE,FR", "Every week on Monday, Wednesday, and Friday"],
    ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday"],
    ["FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR", "Every 2 weeks on weekdays"],
    ["FREQ=MONTHLY;BYMONTHDAY=-1", "Monthly on the last day"],
    ["FREQ=MONTHLY;BYMONTHDAY=15", "Monthly on the 15th"],
    ["FREQ=MONTHLY;BYMONTHDAY=1,-1", "Monthly on the 1st and last day"],
    ["FREQ=MONTHLY;BYMONTHDAY=-2", "Monthly on the 2nd to last day"],
    ["FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=22", "Every 3 months on the 22nd"],
    ["FREQ=MONTHLY;BYDAY=-1FR", "Monthly on the last Friday"],
    ["FREQ=MONTHLY;BYDAY=2TU", "Monthly on the 2nd Tuesday"],
    ["FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "Monthly on the last weekday"],
    ["FREQ=MONTHLY;BYDAY=SA,SU;BYSETPOS=1", "Monthly on the 1st Saturday or Sunday"],
    ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "Every year on February 29"],
    ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", "Every year on the last day in February"],
    ["FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "Every year on the 4th Thursday in November"],
    ["FREQ=YEARLY;BYEASTER=0", "Every year on Easter Sunday"],
    ["FREQ=YEARLY;BYEASTER=-2", "Every year 2 days before Easter"],
    ["FREQ=DAILY;BYHOUR=9,17", "Every day at 09:00 and 17:00"],
    ["FREQ=HOURLY;INTERVAL=4", "Every 4 hours"],
    ["FREQ=HOURLY;BYMINUTE=0,30", "Every hour at :00 and :30 past the hour"],
    ["FREQ=YEARLY;BYWEEKNO=20", "Custom rule: FREQ=YEARLY;BYWEEKNO=20"],
    ["FREQ=DAILY;BYSETPOS=1", "Custom rule: FREQ=DAILY;BYSETPOS=1"],
  ])("%s -> %s", (rule, text) => {
    expect(describeRule(rule, ny)).toBe(text);
  });

  it("shows UNTIL: a date as such, an instant in the task's zone, a local time as written", () => {
    expect(describeRule("FREQ=DAILY;UNTIL=20270401", ny)).toBe("Every day until Apr 1, 2027");
    expect(describeRule("FREQ=DAILY;UNTIL=20270401", { ...ny, locale: "en-GB" })).toBe("Every day until 1 Apr 2027");
    expect(describeRule("FREQ=DAILY;UNTIL=20270401T130000Z", ny).replace("\u202f", " ")).toBe(
      "Every day until Apr 1, 2027, 9:00 AM",
    );
    expect(describeRule("FREQ=DAILY;UNTIL=20270401T130000Z", { timeZone: "Asia/Tokyo", locale: "en-GB" })).toBe(
      "Every day until 1 Apr 2027, 22:00",
    );
    expect(describeRule("FREQ=DAILY;UNTIL=20270401T090000", { timeZone: "Asia/Tokyo", locale: "en-GB" })).toBe(
      "Every day until 1 Apr 2027, 09:00",
    );
  });

  it("names the due date's day for bare weekly, monthly and yearly rules, read in the task's zone", () => {
    // 2028-02-29T03:00Z is Monday 28 February in New York, Tuesday 29 February in Tokyo.
    const dueDate = "2028-02-29T03:00:00Z";
    expect(describeRule("WEEKLY", { ...ny, dueDate })).toBe("Every week on Monday");
    expect(describeRule("WEEKLY", { timeZone: "Asia/Tokyo", dueDate })).toBe("Every week on Tuesday");
    expect(describeRule("MONTHLY", { timeZone: "Asia/Tokyo", dueDate })).toBe("Monthly on the 29th");
    expect(describeRule("YEARLY", { timeZone: "Asia/Tokyo", dueDate })).toBe("Every year on February 29");
    expect(describeRule("FREQ=WEEKLY;BYDAY=FR", { ...ny, dueDate })).toBe("Every week on Friday");
    expect(describeRule("DAILY", { ...ny, dueDate })).toBe("Every day");
  });

  it("throws for an invalid rule", () => {
    expect(() => describeRule("FREQ=DAILY;COUNT=0", ny)).toThrow(InvalidRuleError);
  });
});
