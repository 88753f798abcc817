// Display of instants for people: a date, a time or both in a task's time zone (Intl.DateTimeFormat), the
// zone's short name, and how far a due date is from now ("in 3 hours", "2 days ago", overdue or not).

export type InstantInput = Date | string | number;

export interface FormatOptions {
  timeZone: string;
  /** BCP 47 locale; the runtime's default when omitted. */
  locale?: string;
  /** Add the zone's short name (e.g. "EDT", "GMT+1") after a time. */
  showZone?: boolean;
}

function toMs(instant: InstantInput): number {
  const ms = instant instanceof Date ? instant.getTime() : typeof instant === "string" ? Date.parse(instant) : instant;
  if (Number.isNaN(ms)) throw new RangeError(`'${String(instant)}' is not an instant`);
  return ms;
}

function format(instant: InstantInput, options: FormatOptions, fields: Intl.DateTimeFormatOptions): string {
  const text = new Intl.DateTimeFormat(options.locale, { timeZone: options.timeZone, ...fields }).format(toMs(instant));
  return options.showZone ? `${text} ${timeZoneName(instant, options.timeZone, options.locale)}` : text;
}

/** The local date, e.g. "Sun, Mar 14, 2027" (en-US). */
export function formatDate(instant: InstantInput, options: FormatOptions): string {
  return format(instant, { ...options, showZone: false }, {
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
  });
}

/** The local time, e.g. "9:00 AM" (en-US) or "09:00" (en-GB). */
export function formatTime(instant: InstantInput, options: FormatOptions): string {
  return format(instant, options, { timeStyle: "short" });
}

/** The local date and time, e.g. "Mar 14, 2027, 9:00 AM" (en-US) or "14 Mar 2027, 09:00" (en-GB). */
export function formatDateTime(instant: InstantInput, options: FormatOptions): string {
  return format(instant, options, { dateStyle: "medium", timeStyle: "short" });
}

/** The zone's short name at that instant, e.g. "EST" or "EDT" for America/New_York in en-US. */
export function timeZoneName(instant: InstantInput, timeZone: string, locale?: string): string {
  const parts = new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "short" }).formatToParts(toMs(instant));
  return parts.find((part) => part.type === "timeZoneName")?.value ?? timeZone;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "in 3 hours", "2 days ago", "now" (under a minute away): the largest whole unit, rounded towards now. */
export function formatRelative(instant: InstantInput, now: InstantInput = Date.now(), locale?: string): string {
  const diff = toMs(instant) - toMs(now);
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return rtf.format(Math.trunc(diff / size), unit);
  }
  return rtf.format(0, "second");
}

export interface DueStatus {
  /** The due instant has passed (a task due exactly now is not yet overdue). */
  overdue: boolean;
  /** formatRelative of the due instant, e.g. "2 hours ago" or "in 3 days". */
  relative: string;
}

/** Whether a due date has passed, and how far it is from now; null for a task without a due date. */
export function dueStatus(
  due: InstantInput | null | undefined,
  now: InstantInput = Date.now(),
  locale?: string,
): DueStatus | null {
  if (due === null || due === undefined) return null;
  return { overdue: toMs(due) < toMs(now), relative: formatRelative(due, now, locale) };
}
