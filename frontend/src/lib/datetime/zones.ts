// Wall-clock arithmetic in IANA time zones with Intl.DateTimeFormat only, resolving DST gaps and folds
// exactly as the backend does (recurrence_app/occurrences.py): a repeated local time is its first reading
// (fold 0), a skipped one moves forward to the first instant after the gap.
//
// A "wall" is a local date-time stored as a number of milliseconds whose UTC fields are the local fields
// (a floating time): 09:00 on 2027-03-14 in any zone is Date.UTC(2027, 2, 14, 9).

export type Wall = number;
/** 0: the first reading of a repeated local time (the server's default); 1: the second. */
export type Fold = 0 | 1;

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (found === undefined) {
    found = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, found);
  }
  return found;
}

/** Whether the runtime knows this IANA zone name (the server's list may differ slightly). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** A floating time from calendar fields (month 1..12); years 0..99 are taken literally. */
export function makeWall(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Wall {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/** The local wall-clock time of an instant (epoch milliseconds) in `timeZone`. */
export function wallOf(instant: number, timeZone: string): Wall {
  const fields: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) fields[part.type] = part.value;
  const millis = ((instant % 1000) + 1000) % 1000;
  const wall = makeWall(
    Number(fields.year),
    Number(fields.month),
    Number(fields.day),
    Number(fields.hour),
    Number(fields.minute),
    Number(fields.second),
  );
  return wall + millis;
}

/** The zone's UTC offset at an instant, in milliseconds (east positive). */
export function offsetAt(instant: number, timeZone: string): number {
  return wallOf(instant, timeZone) - instant;
}

/**
 * The instant (epoch milliseconds) of a local wall time. A repeated time gives its `fold` reading; a
 * skipped one gives the first instant after the gap with fold 0 (the server's choice) and, with fold 1,
 * the reading with the offset after the jump (an instant before the gap, as Python's fold=1 does).
 */
export function instantOf(wall: Wall, timeZone: string, fold: Fold = 0): number {
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const readings = [...new Set([wall - before, wall - after])]
    .filter((instant) => wallOf(instant, timeZone) === wall)
    .sort((a, b) => a - b);
  const reading = fold === 0 ? readings[0] : readings[readings.length - 1];
  if (reading !== undefined) return reading;
  return fold === 0 ? endOfGap(wall - after, wall - before, timeZone) : wall - after;
}

/** The first whole second in (low, high] whose offset differs from the offset at `low`. */
function endOfGap(low: number, high: number, timeZone: string): number {
  let lo = Math.floor(low / 1000) - 1;
  let hi = Math.ceil(high / 1000) + 1;
  const offsetBefore = offsetAt(lo * 1000, timeZone);
  while (hi - lo > 1) {
    const middle = Math.floor((lo + hi) / 2);
    if (offsetAt(middle * 1000, timeZone) === offsetBefore) lo = middle;
    else hi = middle;
  }
  return hi * 1000;
}

/** Calendar fields of a wall (month 1..12, weekday 0 = Monday .. 6 = Sunday). */
export function wallFields(wall: Wall): {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
} {
  const date = new Date(wall);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    weekday: (date.getUTCDay() + 6) % 7,
  };
}
