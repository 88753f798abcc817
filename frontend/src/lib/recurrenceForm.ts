/**
 * The recurrence builder's form state <-> the pattern the task form stores (pure, tested). The rules
 * themselves (presets, validation, preview, text) are src/lib/recurrence's; this only holds what the
 * controls show, as typed (numbers are text while someone edits them).
 */
import { parseLocalDate } from "./datetime";
import {
  type DescribeOptions,
  describeRule,
  InvalidRuleError,
  previewOccurrences,
  type RecurrenceEnd,
  type RecurrenceSpec,
  ruleToSpec,
  specToRule,
  validateRule,
  type Weekday,
  WEEKDAYS,
} from "./recurrence";

export type Repeat = "none" | RecurrenceSpec["preset"];
export type EndKind = RecurrenceEnd["kind"];
type Preset = Exclude<Repeat, "none" | "custom">;

export const REPEAT_OPTIONS: readonly { value: Repeat; label: string }[] = [
  { value: "none", label: "Does not repeat" },
  { value: "daily", label: "Daily" },
  { value: "weekdays", label: "Every weekday (Monday to Friday)" },
  { value: "weekly", label: "Weekly" },
  { value: "monthly-day", label: "Monthly on a day of the month" },
  { value: "monthly-last-day", label: "Monthly on the last day" },
  { value: "yearly", label: "Yearly" },
  { value: "custom", label: "Custom (RRULE)" },
];

export const DAY_NAMES: Record<Weekday, string> = {
  MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday",
};

const FREQ: Record<Preset, string> = {
  daily: "DAILY",
  weekdays: "WEEKLY",
  weekly: "WEEKLY",
  "monthly-day": "MONTHLY",
  "monthly-last-day": "MONTHLY",
  yearly: "YEARLY",
};
const UNIT: Record<string, [string, string]> = {
  DAILY: ["day", "days"],
  WEEKLY: ["week", "weeks"],
  MONTHLY: ["month", "months"],
  YEARLY: ["year", "years"],
};

export interface BuilderState {
  repeat: Repeat;
  /** Every N (text of the number input). */
  interval: string;
  /** Weekly: the days ticked; none means the due date's weekday. */
  days: Weekday[];
  /** Monthly on a day: 1..31, or "" for the due date's day. */
  monthDay: string;
  end: EndKind;
  /** YYYY-MM-DD, the last day an occurrence may fall on. */
  endDate: string;
  /** How many occurrences in all, the first (due) one included. */
  endCount: string;
  /** The custom RRULE as typed. */
  custom: string;
}

export type BuilderField = "interval" | "monthDay" | "endDate" | "endCount" | "custom";
export type BuilderProblems = Partial<Record<BuilderField, string>>;

export interface BuilderResult {
  /**
   * What the task form stores: null (no repeat), a valid pattern, or, while a control is incomplete or
   * wrong, a text that validateRule refuses (so the form cannot save a series nobody asked for).
   */
  rule: string | null;
  problems: BuilderProblems;
}

export const INITIAL_STATE: BuilderState = {
  repeat: "none",
  interval: "1",
  days: [],
  monthDay: "",
  end: "never",
  endDate: "",
  endCount: "",
  custom: "",
};

/** The controls for a stored pattern (null: does not repeat); what the presets cannot show is custom. */
export function stateFromRule(rule: string | null): BuilderState {
  if (rule === null || !rule.trim()) return INITIAL_STATE;
  const spec = ruleToSpec(rule);
  if (spec.preset === "custom") return { ...INITIAL_STATE, repeat: "custom", custom: spec.rule };
  return {
    repeat: spec.preset,
    interval: String(spec.interval),
    days: spec.preset === "weekly" ? [...spec.days] : [],
    monthDay: spec.preset === "monthly-day" && spec.day !== null ? String(spec.day) : "",
    end: spec.end.kind,
    endDate: spec.end.kind === "on" ? spec.end.date : "",
    endCount: spec.end.kind === "after" ? String(spec.end.count) : "",
    custom: specToRule(spec),
  };
}

function whole(text: string, low: number, high = Number.MAX_SAFE_INTEGER): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return n >= low && n <= high ? n : null;
}

const PART: Record<Exclude<BuilderField, "custom">, string> = {
  interval: "INTERVAL",
  monthDay: "BYMONTHDAY",
  endDate: "UNTIL",
  endCount: "COUNT",
};

/** The pattern the controls stand for, and what is wrong with them. */
export function stateToRule(state: BuilderState): BuilderResult {
  if (state.repeat === "none") return { rule: null, problems: {} };
  if (state.repeat === "custom") {
    const check = validateRule(state.custom);
    if (!check.ok) return { rule: state.custom, problems: { custom: check.message } };
    return { rule: specToRule({ preset: "custom", rule: state.custom }), problems: {} };
  }
  const problems: BuilderProblems = {};
  const interval = whole(state.interval, 1);
  if (interval === null) problems.interval = "Give a whole number, 1 or more.";
  let day: number | null = null;
  if (state.repeat === "monthly-day" && state.monthDay.trim()) {
    day = whole(state.monthDay, 1, 31);
    if (day === null) problems.monthDay = "Give a day from 1 to 31, or leave it empty.";
  }
  let end: RecurrenceEnd = { kind: "never" };
  if (state.end === "on") {
    try {
      parseLocalDate(state.endDate);
      end = { kind: "on", date: state.endDate };
    } catch {
      problems.endDate = "Give the last date of the series.";
    }
  } else if (state.end === "after") {
    const count = whole(state.endCount, 1);
    if (count === null) problems.endCount = "Give a whole number, 1 or more.";
    else end = { kind: "after", count };
  }
  const first = Object.keys(problems)[0] as Exclude<BuilderField, "custom"> | undefined;
  if (first !== undefined) return { rule: `FREQ=${FREQ[state.repeat]};${PART[first]}=`, problems };
  const base = { interval: interval ?? 1, end };
  const spec: RecurrenceSpec =
    state.repeat === "weekly"
      ? { preset: "weekly", days: WEEKDAYS.filter((d) => state.days.includes(d)), ...base }
      : state.repeat === "monthly-day"
        ? { preset: "monthly-day", day, ...base }
        : { preset: state.repeat, ...base };
  return { rule: specToRule(spec), problems: {} };
}

/** The state after choosing another "Repeat" option; custom starts from the pattern shown so far. */
export function chooseRepeat(state: BuilderState, repeat: Repeat): BuilderState {
  if (repeat === "custom" && state.repeat !== "custom") {
    const { rule, problems } = stateToRule(state);
    return { ...state, repeat, custom: rule !== null && !Object.keys(problems).length ? rule : state.custom };
  }
  return { ...state, repeat };
}

/** Whether "every N" applies, and its unit: ["week", "weeks"]. */
export function intervalUnit(repeat: Repeat): [string, string] | null {
  return repeat === "none" || repeat === "custom" ? null : (UNIT[FREQ[repeat]] ?? null);
}

/** UNTIL dates in the runtime's locale, as the other dates are shown. */
function describeOptions(timeZone: string, dueDate: string | null): DescribeOptions {
  const locale = new Intl.DateTimeFormat().resolvedOptions().locale;
  return dueDate ? { timeZone, locale, dueDate } : { timeZone, locale };
}

/** The sentence for a stored pattern (e.g. on the task's page), or null when it cannot be read here. */
export function ruleText(rule: string, timeZone: string, dueDate: string | null): string | null {
  try {
    return describeRule(rule, describeOptions(timeZone, dueDate));
  } catch (error) {
    if (error instanceof InvalidRuleError || error instanceof RangeError) return null;
    throw error;
  }
}

export type Preview =
  | {
      ok: true;
      description: string;
      /** The due date first (or, without one, the occurrences after a completion now). */
      dates: Date[];
      /** The series has no more occurrences than these. */
      ended: boolean;
    }
  | { ok: false; message: string };

/**
 * The sentence and the next `count` dates of a valid pattern. With a due date the series starts there (it
 * is the first date); without one the server anchors the series on the completion, so this previews a
 * completion at `now` and lists the occurrences after it.
 */
export function previewOf(rule: string, dueDate: string | null, timeZone: string, now: number, count = 5): Preview {
  try {
    const description = describeRule(rule, describeOptions(timeZone, dueDate));
    const start = dueDate ?? new Date(now).toISOString();
    const wanted = dueDate ? count : count + 1;
    const all = previewOccurrences({ rule, dueDate: start, timeZone, count: wanted });
    return { ok: true, description, dates: dueDate ? all : all.slice(1), ended: all.length < wanted };
  } catch (error) {
    if (error instanceof InvalidRuleError || error instanceof RangeError) return { ok: false, message: error.message };
    throw error;
  }
}
