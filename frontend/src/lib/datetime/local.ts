// Form values <-> instants: a local date (YYYY-MM-DD) and time (HH:MM[:SS]) typed for a time zone become a
// UTC ISO instant, and back for editing. DST is resolved as the server does: a repeated time is its first
// reading, a skipped time moves to the first instant after the gap (02:30 -> 03:00 on a spring-forward day).

import { type Fold, instantOf, makeWall, wallFields, wallOf } from "./zones";

export interface LocalDateTime {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM, or HH:MM:SS when the seconds are not zero */
  time: string;
}

/** How a local time maps to instants on its day: once, not at all (a DST gap), or twice (a fold). */
export type LocalTimeKind = "exact" | "skipped" | "repeated";

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Parse YYYY-MM-DD (a real calendar date) into [year, month, day]; throws RangeError otherwise. */
export function parseLocalDate(date: string): [number, number, number] {
  const match = DATE.exec(date);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const fields = wallFields(makeWall(year, month, day));
  if (!match || fields.month !== month || fields.day !== day) {
    throw new RangeError(`'${date}' is not a date (YYYY-MM-DD)`);
  }
  return [year, month, day];
}

/** Parse HH:MM or HH:MM:SS (00:00 to 23:59:59) into [hour, minute, second]; throws RangeError otherwise. */
export function parseLocalTime(time: string): [number, number, number] {
  const match = TIME.exec(time);
  const parts = match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : [];
  const [hour = 99, minute = 99, second = 99] = parts;
  if (hour > 23 || minute > 59 || second > 59) throw new RangeError(`'${time}' is not a time (HH:MM)`);
  return [hour, minute, second];
}

function localWall(date: string, time: string): number {
  return makeWall(...parseLocalDate(date), ...parseLocalTime(time));
}

/** The UTC ISO instant (e.g. 2027-03-14T13:00:00.000Z) of a local date and time in `timeZone`. */
export function localToInstant(date: string, time: string, timeZone: string, fold: Fold = 0): string {
  return new Date(instantOf(localWall(date, time), timeZone, fold)).toISOString();
}

/** Whether a local date and time exists once, never (it will be moved forward) or twice in `timeZone`. */
export function localTimeKind(date: string, time: string, timeZone: string): LocalTimeKind {
  const wall = localWall(date, time);
  const first = instantOf(wall, timeZone, 0);
  if (wallOf(first, timeZone) !== wall) return "skipped";
  return instantOf(wall, timeZone, 1) === first ? "exact" : "repeated";
}

/** The local date and time of an instant in `timeZone`, for filling in an edit form. */
export function instantToLocal(instant: Date | string, timeZone: string): LocalDateTime {
  const ms = typeof instant === "string" ? Date.parse(instant) : instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`'${String(instant)}' is not an instant`);
  const f = wallFields(wallOf(ms, timeZone));
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return {
    date: `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`,
    time: `${pad(f.hour)}:${pad(f.minute)}${f.second === 0 ? "" : `:${pad(f.second)}`}`,
  };
}
