// The recurrence builder's state (a preset, every N, an end) and its translation to and from the pattern
// the task API stores. A pattern the builder cannot show exactly becomes the `custom` preset (rule text).

import { parseRule, type Weekday, WEEKDAYS } from "./rule";

export type { Weekday } from "./rule";

export type RecurrenceEnd =
  | { kind: "never" }
  /** The last local date (YYYY-MM-DD) an occurrence may fall on, inclusive. */
  | { kind: "on"; date: string }
  /** The number of occurrences, the due date included. */
  | { kind: "after"; count: number };

interface Repeating {
  /** Every N days/weeks/months/years (1 or more). */
  interval: number;
  end: RecurrenceEnd;
}

export type RecurrenceSpec =
  | ({ preset: "daily" } & Repeating)
  | ({ preset: "weekdays" } & Repeating)
  /** `days` empty: on the due date's weekday. */
  | ({ preset: "weekly"; days: Weekday[] } & Repeating)
  /** `day` null: on the due date's day of the month. Months without that day are skipped. */
  | ({ preset: "monthly-day"; day: number | null } & Repeating)
  | ({ preset: "monthly-last-day" } & Repeating)
  /** On the due date's month and day (29 February: leap years only). */
  | ({ preset: "yearly" } & Repeating)
  | { preset: "custom"; rule: string };

export type Preset = RecurrenceSpec["preset"];

const WORKDAYS: readonly Weekday[] = ["MO", "TU", "WE", "TH", "FR"];
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function checkWhole(value: number, low: number, high: number, what: string): number {
  if (Number.isInteger(value) && value >= low && value <= high) return value;
  throw new RangeError(`${what} must be a whole number from ${low} to ${high}`);
}

function endPart(end: RecurrenceEnd): string[] {
  if (end.kind === "after") return [`COUNT=${checkWhole(end.count, 1, Number.MAX_SAFE_INTEGER, "The count")}`];
  if (end.kind === "never") return [];
  const match = DATE.exec(end.date);
  const probe = new Date(`${end.date}T00:00:00Z`);
  if (!match || Number.isNaN(probe.getTime()) || probe.toISOString().slice(0, 10) !== end.date) {
    throw new RangeError(`'${end.date}' is not a date (YYYY-MM-DD)`);
  }
  return [`UNTIL=${match[1]}${match[2]}${match[3]}`];
}

/** The pattern to store, in the server's normal form, e.g. "FREQ=WEEKLY;BYDAY=MO,TH" or "FREQ=DAILY;COUNT=5". */
export function specToRule(spec: RecurrenceSpec): string {
  if (spec.preset === "custom") return parseRule(spec.rule).normal;
  const interval = checkWhole(spec.interval, 1, Number.MAX_SAFE_INTEGER, "The interval");
  const [freq, by]: [string, string | null] = (() => {
    switch (spec.preset) {
      case "daily":
        return ["DAILY", null];
      case "weekdays":
        return ["WEEKLY", `BYDAY=${WORKDAYS.join(",")}`];
      case "weekly": {
        const days = WEEKDAYS.filter((day) => spec.days.includes(day));
        if (days.length !== new Set(spec.days).size) throw new RangeError(`Unknown weekday in ${spec.days.join(",")}`);
        return ["WEEKLY", days.length ? `BYDAY=${days.join(",")}` : null];
      }
      case "monthly-day":
        return ["MONTHLY", spec.day === null ? null : `BYMONTHDAY=${checkWhole(spec.day, 1, 31, "The day")}`];
      case "monthly-last-day":
        return ["MONTHLY", "BYMONTHDAY=-1"];
      case "yearly":
        return ["YEARLY", null];
    }
  })();
  const parts = [`FREQ=${freq}`, interval > 1 ? `INTERVAL=${interval}` : null, by, ...endPart(spec.end)];
  return parts.filter((part) => part !== null).join(";");
}

/** The builder's state for a stored pattern; anything the presets cannot express exactly is `custom`. */
export function ruleToSpec(rule: string): RecurrenceSpec {
  let parsed;
  try {
    parsed = parseRule(rule);
  } catch {
    return { preset: "custom", rule: rule.trim() }; // kept as typed, for the person to correct
  }
  const custom: RecurrenceSpec = { preset: "custom", rule: parsed.normal };
  const { freq, parts, interval, count, until } = parsed;
  const rest = [...parts.keys()].filter((name) => !["FREQ", "INTERVAL", "COUNT", "UNTIL"].includes(name));
  if (until !== null && until.kind !== "date") return custom;
  const pad = (n: number) => String(n).padStart(2, "0");
  const end: RecurrenceEnd =
    count !== null
      ? { kind: "after", count }
      : until !== null
        ? { kind: "on", date: `${until.year}-${pad(until.month)}-${pad(until.day)}` }
        : { kind: "never" };
  const base = { interval, end };
  const only = (name?: string) => rest.length === (name ? 1 : 0) && (!name || rest[0] === name);
  const byday = parts.get("BYDAY");
  const bymonthday = parts.get("BYMONTHDAY");

  if (freq === "DAILY" && only()) return { preset: "daily", ...base };
  if (freq === "YEARLY" && only()) return { preset: "yearly", ...base };
  if (freq === "WEEKLY" && only()) return { preset: "weekly", days: [], ...base };
  if (freq === "WEEKLY" && only("BYDAY") && byday !== undefined) {
    const days = byday.split(",") as Weekday[];
    if (!days.every((day) => WEEKDAYS.includes(day))) return custom; // ordinals such as 1MO
    const sorted = WEEKDAYS.filter((day) => days.includes(day));
    if (sorted.join(",") === WORKDAYS.join(",")) return { preset: "weekdays", ...base };
    return { preset: "weekly", days: sorted, ...base };
  }
  if (freq === "MONTHLY" && only()) return { preset: "monthly-day", day: null, ...base };
  if (freq === "MONTHLY" && only("BYMONTHDAY") && bymonthday !== undefined && /^[+-]?\d+$/.test(bymonthday)) {
    const day = Number(bymonthday);
    if (day === -1) return { preset: "monthly-last-day", ...base };
    if (day >= 1) return { preset: "monthly-day", day, ...base };
  }
  return custom;
}
