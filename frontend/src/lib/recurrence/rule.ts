// Reading the recurrence patterns the task API stores: a shorthand (DAILY, WEEKLY, MONTHLY, YEARLY) or one
// RFC 5545 RRULE line. Mirrors tasks_app/recurrence_rules.py (same normal form, same refusals and messages)
// and refuses, besides, what the server accepts but cannot evaluate, never matches or reads ambiguously
// (INTERVAL=0, COUNT=0, BYMONTHDAY=32, UNTIL=...T250000Z, a part given twice), so that the custom field
// never saves a broken series.

import { type Options, RRule, Weekday as RRuleWeekday } from "rrule";

export type Weekday = "MO" | "TU" | "WE" | "TH" | "FR" | "SA" | "SU";
export const WEEKDAYS: readonly Weekday[] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
export type Frequency = "YEARLY" | "MONTHLY" | "WEEKLY" | "DAILY" | "HOURLY";

export const SHORTHANDS: readonly Frequency[] = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
const FREQUENCIES: readonly Frequency[] = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY"];

/** UNTIL, inclusive: a local date (to the end of that day), a local date-time, or a UTC instant. */
export type Until =
  | { kind: "date"; year: number; month: number; day: number }
  | { kind: "local"; year: number; month: number; day: number; hour: number; minute: number; second: number }
  | { kind: "utc"; instant: Date };

export interface ParsedRule {
  /** The server's normal form, e.g. "FREQ=WEEKLY;BYDAY=MO,TH" or the shorthand "DAILY". */
  normal: string;
  /** Each NAME=VALUE of the rule in order (a shorthand gives just FREQ). */
  parts: ReadonlyMap<string, string>;
  freq: Frequency;
  interval: number;
  count: number | null;
  until: Until | null;
  /** Options for the `rrule` package, without dtstart, count and until (which the preview applies itself). */
  options: Partial<Options>;
}

export class InvalidRuleError extends Error {
  override name = "InvalidRuleError";
}

export type ValidationResult = { ok: true } | { ok: false; message: string };

const UNTIL_FORMAT = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;
const INTEGER = /^[+-]?\d+$/;
const BYDAY_ITEM = /^([+-]?\d+)?(MO|TU|WE|TH|FR|SA|SU)$/;
// [lowest, highest] of each integer list; 0 is never allowed where negatives are (counting from the end).
const INT_LISTS: Record<string, [number, number, keyof Options]> = {
  BYSETPOS: [-366, 366, "bysetpos"],
  BYMONTH: [1, 12, "bymonth"],
  BYMONTHDAY: [-31, 31, "bymonthday"],
  BYYEARDAY: [-366, 366, "byyearday"],
  BYWEEKNO: [-53, 53, "byweekno"],
  BYHOUR: [0, 23, "byhour"],
  BYMINUTE: [0, 59, "byminute"],
  BYSECOND: [0, 59, "bysecond"],
};
const KNOWN = new Set([
  "FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYWEEKDAY", "BYEASTER", ...Object.keys(INT_LISTS),
]);

function fail(message: string): never {
  throw new InvalidRuleError(message);
}

function integer(name: string, value: string, low: number, high: number, zero = low >= 0): number {
  if (!INTEGER.test(value)) fail(`not a valid RRULE: invalid '${name}': ${value}`);
  const n = Number(value);
  if (n < low || n > high || (n === 0 && !zero)) {
    const positive = high === Infinity ? `at least ${low}` : `${low} to ${high}`;
    fail(`${name} must be ${zero ? positive : `1 to ${high} or -${high} to -1`} (got ${value})`);
  }
  return n;
}

/** Split into NAME=VALUE parts, upper case and trimmed, as the server does (a shorthand gives FREQ only). */
function splitParts(rule: string): Map<string, string> {
  const text = rule.trim();
  if ((SHORTHANDS as readonly string[]).includes(text.toUpperCase())) return new Map([["FREQ", text.toUpperCase()]]);
  const body = text.toUpperCase().startsWith("RRULE:") ? text.slice("RRULE:".length) : text;
  if (!body || body.includes("\n") || body.includes("\r")) {
    fail("give one of DAILY, WEEKLY, MONTHLY, YEARLY or one RRULE line");
  }
  const parts = new Map<string, string>();
  for (const item of body.split(";")) {
    const at = item.indexOf("=");
    const name = item.slice(0, at).trim().toUpperCase();
    const value = item.slice(at + 1).trim().toUpperCase();
    if (at < 0 || !name || !value) fail(`'${item}' is not NAME=VALUE`);
    if (parts.has(name)) fail(`${name} is given twice`);
    parts.set(name, value);
  }
  return parts;
}

function parseUntil(value: string): Until {
  const match = UNTIL_FORMAT.exec(value);
  if (!match) fail("UNTIL must be a date (20261231) or a UTC date-time (20261231T090000Z)");
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((v) => Number(v ?? 0)) as [
    number, number, number, number, number, number,
  ];
  const probe = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    fail(`UNTIL=${value} is not a real date or time`);
  }
  if (match[4] === undefined) return { kind: "date", year, month, day };
  if (match[7] === "Z") return { kind: "utc", instant: probe };
  return { kind: "local", year, month, day, hour, minute, second };
}

function parseWeekdays(name: string, value: string, freq: Frequency): RRuleWeekday[] {
  return value.split(",").map((item) => {
    const match = BYDAY_ITEM.exec(item);
    if (!match) fail(`not a valid RRULE: invalid '${name}': ${value}`);
    const weekday = WEEKDAYS.indexOf(match[2] as Weekday);
    if (match[1] === undefined) return new RRuleWeekday(weekday);
    const limit = freq === "MONTHLY" ? 5 : 53;
    return new RRuleWeekday(weekday, integer(`${name} ordinal`, match[1], -limit, limit));
  });
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * dateutil refuses an HOURLY rule none of whose BYHOUR lies on its hour grid (every INTERVAL hours from the
 * start's hour). The server checks with a start at 00:00 on write, and with the due date's hour when it
 * computes the next task; either way the same message.
 */
export function checkHourGrid(rule: ParsedRule, startHour: number): void {
  const hours = rule.options.byhour;
  if (rule.freq !== "HOURLY" || !Array.isArray(hours)) return;
  const step = gcd(rule.interval, 24);
  if (step > 1 && !hours.some((hour) => (((hour - startHour) % step) + step) % step === 0)) {
    fail("not a valid RRULE: Invalid rrule byxxx generates an empty set.");
  }
}

/** Parse and check a stored or typed pattern; throws InvalidRuleError with a message for people. */
export function parseRule(rule: string): ParsedRule {
  const parts = splitParts(rule);
  const freq = parts.get("FREQ");
  if (freq === undefined) fail("an RRULE needs FREQ (e.g. FREQ=WEEKLY;BYDAY=MO)");
  if (freq === "MINUTELY" || freq === "SECONDLY") fail(`FREQ=${freq} is not supported for tasks`);
  if (parts.has("DTSTART") || parts.has("TZID")) fail("DTSTART and TZID come from the task's due date and time zone");
  if (!(FREQUENCIES as readonly string[]).includes(freq)) fail(`not a valid RRULE: invalid 'FREQ': ${freq}`);
  if (parts.has("UNTIL") && parts.has("COUNT")) fail("UNTIL and COUNT cannot be combined");
  const frequency = freq as Frequency;
  const options: Partial<Options> = { freq: RRule[frequency] };
  let interval = 1;
  let count: number | null = null;
  let until: Until | null = null;
  for (const [name, value] of parts) {
    if (!KNOWN.has(name)) fail(`not a valid RRULE: unknown parameter '${name}'`);
    const list = INT_LISTS[name];
    if (list) {
      (options as Record<string, number[]>)[list[2]] = value.split(",").map((v) => integer(name, v, list[0], list[1]));
    } else if (name === "INTERVAL") {
      options.interval = interval = integer(name, value, 1, Infinity);
    } else if (name === "COUNT") {
      count = integer(name, value, 1, Infinity);
    } else if (name === "UNTIL") {
      until = parseUntil(value);
    } else if (name === "WKST") {
      const weekday = WEEKDAYS.indexOf(value as Weekday);
      if (weekday < 0) fail(`not a valid RRULE: invalid 'WKST': ${value}`);
      options.wkst = weekday;
    } else if (name === "BYDAY" || name === "BYWEEKDAY") {
      if (options.byweekday) fail("BYDAY is given twice");
      options.byweekday = parseWeekdays(name, value, frequency);
    } else if (name === "BYEASTER") {
      // dateutil takes a list; the rrule package only one offset.
      options.byeaster = integer(name, value, -366, 366, true);
    }
  }
  const shorthand = parts.size === 1 && rule.trim().toUpperCase() === freq;
  const normal = shorthand ? freq : [...parts].map(([name, value]) => `${name}=${value}`).join(";");
  const parsed = { normal, parts, freq: frequency, interval, count, until, options };
  checkHourGrid(parsed, 0);
  return parsed;
}

/** For the custom field: whether the API will store this pattern and the preview can show its series. */
export function validateRule(rule: string): ValidationResult {
  try {
    parseRule(rule);
    return { ok: true };
  } catch (error) {
    if (error instanceof InvalidRuleError) return { ok: false, message: error.message };
    throw error;
  }
}

/** The form the server stores: "daily " -> "DAILY", "rrule:freq=weekly;byday=mo" -> "FREQ=WEEKLY;BYDAY=MO". */
export function normalizeRule(rule: string): string {
  return parseRule(rule).normal;
}
