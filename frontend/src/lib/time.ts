/**
 * Wall-clock dates and times in an IANA zone <-> instants, with Intl only (no time zone library).
 * A wall time that does not exist (the hour skipped when DST starts) moves forward by the skipped amount;
 * one that exists twice (when DST ends) is the later of the two.
 */

export interface WallTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM (24 h) */
  time: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallFields(instantMs: number, timeZone: string) {
  const fields: Record<string, number> = {};
  for (const part of partsFormatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 1970,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
export function zoneOffsetMs(instantMs: number, timeZone: string): number {
  const f = wallFields(instantMs, timeZone);
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The instant of a wall-clock date and time in `timeZone`; null for a malformed date or time. */
export function wallTimeToInstant({ date, time }: WallTime, timeZone: string): Date | null {
  const d = DATE.exec(date);
  const t = TIME.exec(time || "00:00");
  if (!d || !t) return null;
  const [year, month, day] = [Number(d[1]), Number(d[2]), Number(d[3])];
  const [hour, minute, second] = [Number(t[1]), Number(t[2]), Number(t[3] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wallAsUtc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null; // 31 February
  const first = zoneOffsetMs(wallAsUtc, timeZone);
  let instant = wallAsUtc - first;
  const second_ = zoneOffsetMs(instant, timeZone);
  if (second_ !== first) instant = wallAsUtc - second_;
  return new Date(instant);
}

function pad(value: number, length = 2): string {
  return String(value).padStart(length, "0");
}

/** The wall-clock date and time of an instant in `timeZone`. */
export function instantToWallTime(instant: Date | string, timeZone: string): WallTime {
  const f = wallFields(new Date(instant).getTime(), timeZone);
  return { date: `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`, time: `${pad(f.hour)}:${pad(f.minute)}` };
}

/** The instant a wall-clock day starts in `timeZone` (YYYY-MM-DD), or null. */
export function startOfDay(date: string, timeZone: string): Date | null {
  return wallTimeToInstant({ date, time: "00:00" }, timeZone);
}

/** YYYY-MM-DD of the day after `date`. */
export function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** For people: "Tue, 3 Jun 2025, 14:30" in `timeZone`. */
export function formatInstant(instant: string | Date, timeZone: string, locale?: string): string {
  try {
    return new Intl.DateTimeFormat(locale, {
      timeZone,
      weekday: "short",
      day: "numeric",
      month: "short",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    }).format(new Date(instant));
  } catch {
    return new Date(instant).toISOString();
  }
}

/** The browser's own zone, UTC when unknown. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Every IANA zone the browser knows (for the profile's select); falls back to a few when unsupported. */
export function supportedTimeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: "timeZone") => string[] };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  const all = new Set(zones.length ? zones : ["UTC", "Europe/London", "Europe/Paris", "America/New_York"]);
  all.add("UTC"); // Intl lists it under Etc/ in some engines
  return [...all].sort();
}
