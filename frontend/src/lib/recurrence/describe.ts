// A sentence for a recurrence pattern, shown next to the builder and on a task: "Every week on Monday and
// Thursday", "Monthly on the last day", "Every 2 days, 5 times". English text; the locale only formats the
// UNTIL date. Parts without a phrase here (BYWEEKNO, BYYEARDAY, BYSECOND) give "Custom rule: <pattern>".

import { wallFields, wallOf } from "../datetime/zones";
import { type Frequency, parseRule, type Until, type Weekday, WEEKDAYS } from "./rule";

export interface DescribeOptions {
  /** The task's zone: UNTIL instants are shown in it, and the due date's weekday/day is read in it. */
  timeZone: string;
  /** BCP 47 locale for the UNTIL date; en-US when omitted. */
  locale?: string;
  /** The due date (ISO instant): lets a bare WEEKLY/MONTHLY/YEARLY say which day ("on Friday"). */
  dueDate?: string | Date;
}

const DAY_NAMES: Record<Weekday, string> = {
  MO: "Monday", TU: "Tuesday", WE: "Wednesday", TH: "Thursday", FR: "Friday", SA: "Saturday", SU: "Sunday",
};
const MONTH_NAMES = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
];
const UNIT: Record<Frequency, string> = {
  YEARLY: "year", MONTHLY: "month", WEEKLY: "week", DAILY: "day", HOURLY: "hour",
};
const PHRASED = new Set([
  "FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", "BYWEEKDAY", "BYMONTHDAY", "BYMONTH", "BYHOUR", "BYMINUTE",
  "BYSETPOS", "BYEASTER",
]);

const list = (items: string[], type: "conjunction" | "disjunction" = "conjunction") =>
  new Intl.ListFormat("en", { style: "long", type }).format(items);

/** 1 -> "1st", 22 -> "22nd", -1 -> "last", -2 -> "2nd to last". */
export function ordinal(n: number): string {
  if (n === -1) return "last";
  if (n < 0) return `${ordinal(-n)} to last`;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

function dayItems(byday: string): { n: number | null; day: string }[] {
  return byday.split(",").map((item) => {
    const match = /^([+-]?\d+)?(\w\w)$/.exec(item);
    return { n: match?.[1] ? Number(match[1]) : null, day: DAY_NAMES[(match?.[2] ?? "MO") as Weekday] };
  });
}

function untilText(until: Until, timeZone: string, locale: string): string {
  if (until.kind === "date") {
    const date = new Date(Date.UTC(until.year, until.month - 1, until.day));
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(date);
  }
  const style: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };
  if (until.kind === "utc") return new Intl.DateTimeFormat(locale, { ...style, timeZone }).format(until.instant);
  const wall = Date.UTC(until.year, until.month - 1, until.day, until.hour, until.minute, until.second);
  return new Intl.DateTimeFormat(locale, { ...style, timeZone: "UTC" }).format(wall);
}

/** A sentence for the pattern; throws InvalidRuleError for a pattern that is not valid. */
export function describeRule(rule: string, options: DescribeOptions): string {
  const { freq, interval, parts, count, until, normal } = parseRule(rule);
  if ([...parts.keys()].some((name) => !PHRASED.has(name))) return `Custom rule: ${normal}`;
  const byday = parts.get("BYDAY") ?? parts.get("BYWEEKDAY");
  const bymonthday = parts.get("BYMONTHDAY")?.split(",").map(Number);
  const bymonth = parts.get("BYMONTH")?.split(",").map((m) => MONTH_NAMES[Number(m) - 1] ?? m);
  const bysetpos = parts.get("BYSETPOS")?.split(",").map(Number);
  const due =
    options.dueDate === undefined ? null : wallFields(wallOf(new Date(options.dueDate).getTime(), options.timeZone));

  const unit = UNIT[freq];
  let text = interval > 1 ? `Every ${interval} ${unit}s` : freq === "MONTHLY" ? "Monthly" : `Every ${unit}`;
  const weekdaysOnly = byday === "MO,TU,WE,TH,FR" && !bysetpos;
  if (weekdaysOnly && interval === 1 && (freq === "WEEKLY" || freq === "DAILY")) text = "Every weekday";
  else if (weekdaysOnly) text += " on weekdays";
  else if (byday && bysetpos) {
    const days = byday === "MO,TU,WE,TH,FR" ? ["weekday"] : dayItems(byday).map((item) => item.day);
    text += ` on the ${list(bysetpos.map(ordinal))} ${list(days, "disjunction")}`;
  } else if (byday) {
    text += ` on ${list(dayItems(byday).map(({ n, day }) => (n === null ? day : `the ${ordinal(n)} ${day}`)))}`;
  } else if (bysetpos) {
    return `Custom rule: ${normal}`;
  }
  if (freq === "YEARLY" && bymonth?.length === 1 && bymonthday?.length === 1 && bymonthday[0]! > 0 && !byday) {
    text += ` on ${bymonth[0]} ${bymonthday[0]}`;
  } else {
    if (bymonthday) {
      // "on the 15th", "on the last day", "on the 1st and last day"
      text += ` on the ${list(bymonthday.map(ordinal))}${bymonthday.some((d) => d < 0) ? " day" : ""}`;
    }
    if (bymonth) text += ` in ${list(bymonth)}`;
  }
  const easter = parts.get("BYEASTER");
  if (easter !== undefined) {
    const shift = Number(easter);
    const days = `${Math.abs(shift)} day${Math.abs(shift) === 1 ? "" : "s"}`;
    text += shift === 0 ? " on Easter Sunday" : ` ${days} ${shift > 0 ? "after" : "before"} Easter`;
  }
  const implicit = !byday && !bymonthday && !bymonth && easter === undefined;
  if (due && implicit && freq === "WEEKLY") text += ` on ${DAY_NAMES[WEEKDAYS[due.weekday] ?? "MO"]}`;
  if (due && implicit && freq === "MONTHLY") text += ` on the ${ordinal(due.day)}`;
  if (due && implicit && freq === "YEARLY") text += ` on ${MONTH_NAMES[due.month - 1]} ${due.day}`;

  const hours = parts.get("BYHOUR")?.split(",").map(Number);
  const minutes = parts.get("BYMINUTE")?.split(",").map(Number);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (hours) {
    text += ` at ${list(hours.flatMap((h) => (minutes ?? [due?.minute ?? 0]).map((m) => `${pad(h)}:${pad(m)}`)))}`;
  } else if (minutes) {
    text += ` at ${list(minutes.map((m) => `:${pad(m)}`))} past the hour`;
  }

  if (count !== null) text += count === 1 ? ", once" : `, ${count} times`;
  if (until !== null) text += ` until ${untilText(until, options.timeZone, options.locale ?? "en-US")}`;
  return text;
}
