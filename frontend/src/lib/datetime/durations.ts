// ISO 8601 durations for reminders ("PT15M", "PT1H30M", "P1D", "P1W"): parse, format, describe, and turn
// "15 minutes before due" into the reminder's instant. Days and weeks are exact (24 h, 7 x 24 h), as the
// server's reminder_offset_hours is (due_date - timedelta(hours=...)); years and months are refused.

export interface Duration {
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** The server's largest reminder offset (tasks_app/serializers.py MAX_REMINDER_OFFSET_HOURS). */
export const MAX_REMINDER_OFFSET_HOURS = 24 * 366;

const PATTERN = /^P(?!$)(?:(\d+)W)?(?:(\d+)D)?(?:T(?!$)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const UNIT_MS = { weeks: 604_800_000, days: 86_400_000, hours: 3_600_000, minutes: 60_000, seconds: 1000 };
const UNIT_NAMES = { weeks: "week", days: "day", hours: "hour", minutes: "minute", seconds: "second" } as const;
type Unit = keyof Duration;
const UNITS = Object.keys(UNIT_MS) as Unit[];

/** Parse PnW, PnD, PTnHnMnS and their mixes (whole numbers); null for anything else, e.g. P1M or -PT5M. */
export function parseDuration(text: string): Duration | null {
  const match = PATTERN.exec(text.trim().toUpperCase());
  if (!match) return null;
  const [weeks = 0, days = 0, hours = 0, minutes = 0, seconds = 0] = match.slice(1).map((v) => Number(v ?? 0));
  return { weeks, days, hours, minutes, seconds };
}

/** The ISO form of the units as given: "PT15M", "P1D", "P2W" (weeks alone), "P8DT12H"; "PT0S" for nothing. */
export function formatDuration(duration: Duration): string {
  const { weeks, days, hours, minutes, seconds } = duration;
  if (weeks && !days && !hours && !minutes && !seconds) return `P${weeks}W`;
  const date = weeks * 7 + days ? `${weeks * 7 + days}D` : "";
  const time = `${hours ? `${hours}H` : ""}${minutes ? `${minutes}M` : ""}${seconds ? `${seconds}S` : ""}`;
  return date || time ? `P${date}${time ? `T${time}` : ""}` : "PT0S";
}

export function durationToMs(duration: Duration): number {
  return UNITS.reduce((total, unit) => total + duration[unit] * UNIT_MS[unit], 0);
}

/** The value for the API's reminder_offset_hours. */
export function durationToHours(duration: Duration): number {
  return durationToMs(duration) / UNIT_MS.hours;
}

/** The largest units first (weeks, days, ...), whole seconds; for a span such as due_date - reminder_at. */
export function normalizeDuration(ms: number): Duration {
  let rest = Math.round(Math.abs(ms) / 1000) * 1000;
  const duration: Duration = { weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
  for (const unit of UNITS) {
    duration[unit] = Math.floor(rest / UNIT_MS[unit]);
    rest -= duration[unit] * UNIT_MS[unit];
  }
  return duration;
}

/** "1 day, 2 hours" (en): each non-zero unit, long form, joined for the locale; "0 minutes" for nothing. */
export function describeDuration(duration: Duration, locale?: string): string {
  const parts = UNITS.filter((unit) => duration[unit] !== 0).map((unit) =>
    new Intl.NumberFormat(locale, { style: "unit", unit: UNIT_NAMES[unit], unitDisplay: "long" }).format(
      duration[unit],
    ),
  );
  if (parts.length === 0) {
    return new Intl.NumberFormat(locale, { style: "unit", unit: "minute", unitDisplay: "long" }).format(0);
  }
  return new Intl.ListFormat(locale, { style: "short", type: "unit" }).format(parts);
}

/** The reminder instant for "duration before due" (e.g. PT15M before 09:00Z is 08:45Z). */
export function reminderBefore(due: Date | string, duration: Duration | string): Date {
  const span = typeof duration === "string" ? parseDuration(duration) : duration;
  if (span === null) throw new RangeError(`'${String(duration)}' is not an ISO 8601 duration such as PT15M`);
  const dueMs = typeof due === "string" ? Date.parse(due) : due.getTime();
  if (Number.isNaN(dueMs)) throw new RangeError(`'${String(due)}' is not an instant`);
  return new Date(dueMs - durationToMs(span));
}

/** The duration between a reminder and its due date (for editing), or null if the reminder is after it. */
export function offsetBefore(due: Date | string, reminder: Date | string): Duration | null {
  const ms = new Date(due).getTime() - new Date(reminder).getTime();
  return Number.isNaN(ms) || ms < 0 ? null : normalizeDuration(ms);
}

/** Whether the server accepts this as reminder_offset_hours (0 to 366 days). */
export function isValidReminderOffset(duration: Duration): boolean {
  const hours = durationToHours(duration);
  return hours >= 0 && hours <= MAX_REMINDER_OFFSET_HOURS;
}
