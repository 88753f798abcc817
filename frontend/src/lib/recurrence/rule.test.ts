// validateRule/normalizeRule against the server's check_pattern: every pattern below was sent to
// tasks_app.recurrence_rules.check_pattern; the normal forms and refusals are its answers, hard-coded.

import { describe, expect, it } from "vitest";
import { InvalidRuleError, normalizeRule, parseRule, validateRule } from "./rule";

const ACCEPTED: [string, string][] = [
  ["DAILY", "DAILY"],
  ["daily", "DAILY"],
  [" Weekly ", "WEEKLY"],
  ["MONTHLY", "MONTHLY"],
  ["YEARLY", "YEARLY"],
  ["FREQ=HOURLY", "FREQ=HOURLY"],
  ["RRULE:FREQ=DAILY", "FREQ=DAILY"],
  ["rrule:freq=daily", "FREQ=DAILY"],
  ["FREQ=DAILY", "FREQ=DAILY"],
  ["freq=weekly;byday=mo,th", "FREQ=WEEKLY;BYDAY=MO,TH"],
  ["FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"],
  ["FREQ=MONTHLY;BYDAY=+2TU", "FREQ=MONTHLY;BYDAY=+2TU"],
  ["FREQ=MONTHLY;BYMONTHDAY=-31", "FREQ=MONTHLY;BYMONTHDAY=-31"],
  ["FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR", "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR"],
  ["FREQ=DAILY;BYHOUR=9,17", "FREQ=DAILY;BYHOUR=9,17"],
  ["FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO"],
  ["FREQ=YEARLY;BYYEARDAY=-1", "FREQ=YEARLY;BYYEARDAY=-1"],
  ["FREQ=WEEKLY;WKST=SU;BYDAY=MO", "FREQ=WEEKLY;WKST=SU;BYDAY=MO"],
  ["FREQ=YEARLY;BYEASTER=0", "FREQ=YEARLY;BYEASTER=0"],
  ["FREQ=DAILY;UNTIL=20260401", "FREQ=DAILY;UNTIL=20260401"],
  ["FREQ=DAILY;UNTIL=20260401T090000Z", "FREQ=DAILY;UNTIL=20260401T090000Z"],
  ["FREQ=DAILY;UNTIL=20260401T090000", "FREQ=DAILY;UNTIL=20260401T090000"],
  ["FREQ = DAILY", "FREQ=DAILY"],
  ["FREQ=DAILY ; COUNT = 3", "FREQ=DAILY;COUNT=3"],
  ["FREQ=WEEKLY;BYDAY=mo", "FREQ=WEEKLY;BYDAY=MO"],
  ["FREQ=MONTHLY;BYMONTHDAY=1,15,-1", "FREQ=MONTHLY;BYMONTHDAY=1,15,-1"],
  ["FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"],
  ["FREQ=WEEKLY;BYDAY=1MO", "FREQ=WEEKLY;BYDAY=1MO"],
  ["FREQ=YEARLY;BYDAY=53MO", "FREQ=YEARLY;BYDAY=53MO"],
  ["FREQ=HOURLY;INTERVAL=3", "FREQ=HOURLY;INTERVAL=3"],
  ["FREQ=DAILY;BYSETPOS=1", "FREQ=DAILY;BYSETPOS=1"],
  ["FREQ=DAILY;INTERVAL=+2", "FREQ=DAILY;INTERVAL=+2"],
  ["FREQ=DAILY;COUNT=+3", "FREQ=DAILY;COUNT=+3"],
  ["FREQ=DAILY;COUNT= 3", "FREQ=DAILY;COUNT=3"],
  ["FREQ=DAILY;INTERVAL=1000000", "FREQ=DAILY;INTERVAL=1000000"],
];

// [pattern, our message]; the server refuses each too (its message, where different, in the comment).
const REFUSED: [string, string][] = [
  ["HOURLY", "'HOURLY' is not NAME=VALUE"],
  ["FREQ=MINUTELY", "FREQ=MINUTELY is not supported for tasks"],
  ["FREQ=SECONDLY", "FREQ=SECONDLY is not supported for tasks"],
  ["FREQ=FOO", "not a valid RRULE: invalid 'FREQ': FOO"],
  ["BYDAY=MO", "an RRULE needs FREQ (e.g. FREQ=WEEKLY;BYDAY=MO)"],
  ["", "give one of DAILY, WEEKLY, MONTHLY, YEARLY or one RRULE line"],
  ["  ", "give one of DAILY, WEEKLY, MONTHLY, YEARLY or one RRULE line"],
  ["FREQ=DAILY;", "'' is not NAME=VALUE"],
  ["FREQ=DAILY;;COUNT=2", "'' is not NAME=VALUE"],
  ["FREQ", "'FREQ' is not NAME=VALUE"],
  ["FREQ=", "'FREQ=' is not NAME=VALUE"],
  ["=DAILY", "'=DAILY' is not NAME=VALUE"],
  ["FREQ=DAILY;COUNT=x", "not a valid RRULE: invalid 'COUNT': X"],
  ["FREQ=DAILY;COUNT=1.5", "not a valid RRULE: invalid 'COUNT': 1.5"],
  ["FREQ=DAILY;INTERVAL=x", "not a valid RRULE: invalid 'INTERVAL': X"],
  ["FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE: invalid 'BYDAY': XX"],
  ["FREQ=WEEKLY;BYDAY=MO,", "not a valid RRULE: invalid 'BYDAY': MO,"],
  // server: not a valid RRULE: invalid 'BYDAY': 0MO
  ["FREQ=MONTHLY;BYDAY=0MO", "BYDAY ordinal must be 1 to 5 or -5 to -1 (got 0)"],
  // server: not a valid RRULE: hour must be in 0..23
  ["FREQ=DAILY;BYHOUR=25", "BYHOUR must be 0 to 23 (got 25)"],
  // server: not a valid RRULE: minute must be in 0..59
  ["FREQ=DAILY;BYMINUTE=60", "BYMINUTE must be 0 to 59 (got 60)"],
  // server: not a valid RRULE: second must be in 0..59
  ["FREQ=DAILY;BYSECOND=61", "BYSECOND must be 0 to 59 (got 61)"],
  ["FREQ=WEEKLY;WKST=XX", "not a valid RRULE: invalid 'WKST': XX"],
  ["FREQ=DAILY;FOO=1", "not a valid RRULE: unknown parameter 'FOO'"],
  ["FREQ=DAILY;X-NAME=1", "not a valid RRULE: unknown parameter 'X-NAME'"],
  ["FREQ=DAILY;DTSTART=20260101T000000Z", "DTSTART and TZID come from the task's due date and time zone"],
  ["FREQ=DAILY;TZID=Europe/Paris", "DTSTART and TZID come from the task's due date and time zone"],
  ["FREQ=DAILY;UNTIL=2026-04-01", "UNTIL must be a date (20261231) or a UTC date-time (20261231T090000Z)"],
  // server: not a valid RRULE: unconverted data remains: 1
  ["FREQ=DAILY;UNTIL=20261301", "UNTIL=20261301 is not a real date or time"],
  // server: not a valid RRULE: day is out of range for month
  ["FREQ=DAILY;UNTIL=20260230", "UNTIL=20260230 is not a real date or time"],
  ["FREQ=DAILY;UNTIL=20260401;COUNT=3", "UNTIL and COUNT cannot be combined"],
  ["FREQ=DAILY\nFREQ=WEEKLY", "give one of DAILY, WEEKLY, MONTHLY, YEARLY or one RRULE line"],
  // server: not a valid RRULE: bysetpos must be between 1 and 366, or between -366 and -1
  ["FREQ=MONTHLY;BYSETPOS=0;BYDAY=MO", "BYSETPOS must be 1 to 366 or -366 to -1 (got 0)"],
  // server: not a valid RRULE: bysetpos must be between 1 and 366, or between -366 and -1
  ["FREQ=MONTHLY;BYSETPOS=367;BYDAY=MO", "BYSETPOS must be 1 to 366 or -366 to -1 (got 367)"],
  ["FREQ=DAILY;INTERVAL=1.5", "not a valid RRULE: invalid 'INTERVAL': 1.5"],
  ["EXDATE=20260101", "an RRULE needs FREQ (e.g. FREQ=WEEKLY;BYDAY=MO)"],
  ["FREQ=DAILY;RDATE=20260101", "not a valid RRULE: unknown parameter 'RDATE'"],
  ["FREQ=DAILY;BYMONTHDAY=", "'BYMONTHDAY=' is not NAME=VALUE"],
];

// Accepted by tasks_app.recurrence_rules.check_pattern, but the series is broken (INTERVAL=0 hangs the
// server, INTERVAL=-2 crashes it, a bad UNTIL time fails later), never matches, or a part is given twice
// (the server silently keeps the last).
const REFUSED_HERE_ONLY: [string, string][] = [
  ["FREQ=DAILY;COUNT=0", "COUNT must be at least 1 (got 0)"],
  ["FREQ=DAILY;COUNT=-1", "COUNT must be at least 1 (got -1)"],
  ["FREQ=DAILY;INTERVAL=0", "INTERVAL must be at least 1 (got 0)"],
  ["FREQ=DAILY;INTERVAL=-2", "INTERVAL must be at least 1 (got -2)"],
  ["FREQ=MONTHLY;BYDAY=6MO", "BYDAY ordinal must be 1 to 5 or -5 to -1 (got 6)"],
  ["FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY must be 1 to 31 or -31 to -1 (got 32)"],
  ["FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY must be 1 to 31 or -31 to -1 (got 0)"],
  ["FREQ=MONTHLY;BYMONTHDAY=-32", "BYMONTHDAY must be 1 to 31 or -31 to -1 (got -32)"],
  ["FREQ=YEARLY;BYMONTH=13", "BYMONTH must be 1 to 12 (got 13)"],
  ["FREQ=YEARLY;BYMONTH=0", "BYMONTH must be 1 to 12 (got 0)"],
  ["FREQ=YEARLY;BYWEEKNO=54", "BYWEEKNO must be 1 to 53 or -53 to -1 (got 54)"],
  ["FREQ=YEARLY;BYYEARDAY=367", "BYYEARDAY must be 1 to 366 or -366 to -1 (got 367)"],
  ["FREQ=DAILY;UNTIL=20260401T250000Z", "UNTIL=20260401T250000Z is not a real date or time"],
  ["FREQ=DAILY;COUNT=3;COUNT=4", "COUNT is given twice"],
  ["FREQ=DAILY;FREQ=WEEKLY", "FREQ is given twice"],
  ["FREQ=YEARLY;BYDAY=54MO", "BYDAY ordinal must be 1 to 53 or -53 to -1 (got 54)"],
  ["FREQ=DAILY;BYDAY=MO;BYDAY=TU", "BYDAY is given twice"],
];

describe("validateRule agrees with the server's check_pattern", () => {
  it.each(ACCEPTED)("accepts %j with the server's normal form", (pattern, normal) => {
    expect(validateRule(pattern)).toEqual({ ok: true });
    expect(normalizeRule(pattern)).toBe(normal);
  });

  it.each(REFUSED)("refuses %j", (pattern, message) => {
    expect(validateRule(pattern)).toEqual({ ok: false, message });
  });

  it.each(REFUSED_HERE_ONLY)("refuses %j, which the server stores but cannot run", (pattern, message) => {
    expect(validateRule(pattern)).toEqual({ ok: false, message });
  });
});

describe("parseRule", () => {
  it("reads a shorthand as its FREQ", () => {
    const rule = parseRule(" weekly ");
    expect(rule).toMatchObject({ normal: "WEEKLY", freq: "WEEKLY", interval: 1, count: null, until: null });
    expect([...rule.parts]).toEqual([["FREQ", "WEEKLY"]]);
  });

  it("reads INTERVAL, COUNT and the three UNTIL forms", () => {
    expect(parseRule("FREQ=DAILY;INTERVAL=3;COUNT=5")).toMatchObject({ interval: 3, count: 5 });
    expect(parseRule("FREQ=DAILY;UNTIL=20270316").until).toEqual({ kind: "date", year: 2027, month: 3, day: 16 });
    expect(parseRule("FREQ=DAILY;UNTIL=20270316T090000").until).toEqual({
      kind: "local", year: 2027, month: 3, day: 16, hour: 9, minute: 0, second: 0,
    });
    expect(parseRule("FREQ=DAILY;UNTIL=20270316T130000Z").until).toEqual({
      kind: "utc", instant: new Date("2027-03-16T13:00:00Z"),
    });
  });

  it("throws InvalidRuleError with the message validateRule gives", () => {
    expect(() => parseRule("FREQ=MINUTELY")).toThrow(InvalidRuleError);
    expect(() => parseRule("FREQ=MINUTELY")).toThrow("FREQ=MINUTELY is not supported for tasks");
  });

  it("checks an hourly rule's BYHOUR against its grid from 00:00, as the server's check does", () => {
    const refused = { ok: false, message: "not a valid RRULE: Invalid rrule byxxx generates an empty set." };
    expect(validateRule("FREQ=HOURLY;INTERVAL=48;BYHOUR=9")).toEqual(refused);
    expect(validateRule("FREQ=HOURLY;INTERVAL=2;BYHOUR=9")).toEqual(refused);
    expect(validateRule("FREQ=HOURLY;INTERVAL=2;BYHOUR=9,10")).toEqual({ ok: true });
    expect(validateRule("FREQ=HOURLY;INTERVAL=48;BYHOUR=0")).toEqual({ ok: true });
    expect(validateRule("FREQ=HOURLY;INTERVAL=5;BYHOUR=3")).toEqual({ ok: true });
    expect(validateRule("FREQ=DAILY;INTERVAL=2;BYHOUR=9")).toEqual({ ok: true });
  });

  it("refuses a list of Easter offsets, which the rrule package cannot run", () => {
    expect(validateRule("FREQ=YEARLY;BYEASTER=0,1")).toEqual({
      ok: false, message: "not a valid RRULE: invalid 'BYEASTER': 0,1",
    });
  });
});
