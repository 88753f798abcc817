// ISO 8601 durations for reminders ("PT15M", "PT1H30M", "P1D", "P1W"): parse, format, describe, check. Days
// and weeks are exact (24 h, 7 x 24 h), as the server's before_due is (due_date - timedelta); years and
// months are refused.

export interface Duration {
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** The server's longest reminder before the due date (tasks_app/reminders.py MAX_BEFORE_DUE). */
export const MAX_BEFORE_DUE_DAYS = 366;

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

/** Whether the server accepts this as a reminder's before_due (0 to 366 days). */
export function isValidReminderOffset(duration: Duration): boolean {
  const ms = durationToMs(duration);
  return ms >= 0 && ms <= MAX_BEFORE_DUE_DAYS * UNIT_MS.days;
}
