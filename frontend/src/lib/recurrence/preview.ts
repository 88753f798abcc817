// The next occurrences of a recurring task, computed as recurrence_app/occurrences.py computes them:
// the `rrule` package runs on local wall-clock time (floating dates) in the task's zone, and each wall time
// becomes an instant with the server's DST choices. The due date is always the first occurrence and counts
// towards COUNT; UNTIL is inclusive (a date means the end of that local day); a rule with no occurrence in
// the century after the previous one has ended.

import { RRule } from "rrule";
import { instantOf, makeWall, type Wall, wallFields, wallOf } from "../datetime/zones";
import { mayOccur } from "./reachable";
import { checkHourGrid, parseRule, type ParsedRule } from "./rule";

export interface PreviewInput {
  /** The stored pattern (shorthand or RRULE). */
  rule: string;
  /** The series' first occurrence (the task's due date), an ISO instant or a Date. */
  dueDate: string | Date;
  /** The task's IANA zone, whose wall clock the rule follows. */
  timeZone: string;
  /** How many occurrences to return, the due date included; 5 when omitted. */
  count?: number;
  /** The task's recurring_end_date (an inclusive instant), if it has one. */
  end?: string | Date | null;
}

const HORIZON_YEARS = 100;
const MAX_YEAR = 9999;
const SEARCH_MARGIN_MS = 2 * 86_400_000;
const BATCH = 64;

function endOfYear(year: number): Wall {
  return makeWall(Math.min(year, MAX_YEAR), 12, 31, 23, 59, 59);
}

/** The rule's own walls after the start, lazily, a century at most past the previous one. */
function* ruleWalls(rule: ParsedRule, start: Wall, limit: Wall): Generator<Wall> {
  let cursor = start;
  for (;;) {
    const horizon = Math.min(endOfYear(wallFields(cursor).year + HORIZON_YEARS), limit);
    if (cursor === start && !mayOccur(rule, start, horizon)) return; // spare rrule a scan to the year 9999
    const rrule = new RRule({ ...rule.options, dtstart: new Date(start), until: new Date(horizon) });
    // Inclusive at both ends (UNTIL is inclusive); the cursor itself was yielded before.
    const batch = rrule.between(new Date(cursor), new Date(horizon), true, (_, length) => length < BATCH);
    const walls = batch.map((date) => date.getTime()).filter((wall) => wall > cursor);
    yield* walls;
    const last = walls[walls.length - 1];
    if (last === undefined || (batch.length < BATCH && horizon === limit)) return;
    cursor = last;
  }
}

/** The series' wall times in order: the start, then the rule's other walls, cut to COUNT. */
function* seriesWalls(rule: ParsedRule, start: Wall, limit: Wall): Generator<Wall> {
  let remaining = rule.count ?? Infinity;
  if (remaining-- <= 0) return;
  yield start;
  for (const wall of ruleWalls(rule, start, limit)) {
    if (wall === start) continue;
    if (remaining-- <= 0) return;
    yield wall;
  }
}

function toMs(value: string | Date, what: string): number {
  const ms = typeof value === "string" ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${what} '${String(value)}' is not an instant`);
  return ms;
}

/**
 * The first `count` occurrences of the series (the due date first) as instants, exactly as the server
 * creates them one after another. Fewer when the series ends. Throws InvalidRuleError for a bad rule and
 * RangeError for a bad date or zone.
 */
export function previewOccurrences({ rule, dueDate, timeZone, count = 5, end = null }: PreviewInput): Date[] {
  const parsed = parseRule(rule);
  const start = Math.floor(toMs(dueDate, "dueDate") / 1000) * 1000; // the server works in whole seconds
  const startWall = wallOf(start, timeZone);
  checkHourGrid(parsed, wallFields(startWall).hour);
  const { until } = parsed;
  let lastInstant = end === null ? Infinity : toMs(end, "end");
  let lastWall = Infinity;
  if (until?.kind === "utc") lastInstant = Math.min(lastInstant, until.instant.getTime());
  if (until?.kind === "date") lastWall = makeWall(until.year, until.month, until.day, 23, 59, 59) + 999;
  if (until?.kind === "local") {
    lastWall = makeWall(until.year, until.month, until.day, until.hour, until.minute, until.second);
  }
  const limit = Math.min(
    endOfYear(MAX_YEAR),
    lastWall,
    lastInstant === Infinity ? Infinity : wallOf(lastInstant, timeZone) + SEARCH_MARGIN_MS,
  );

  const result: Date[] = [];
  let previous = -Infinity;
  for (const wall of seriesWalls(parsed, startWall, limit)) {
    if (result.length >= count || wall > lastWall) break;
    let instant = wall === startWall ? start : instantOf(wall, timeZone);
    // Only the first reading of a repeated time can fall before a start inside the repeated hour.
    if (instant < start) instant = instantOf(wall, timeZone, 1);
    if (instant > lastInstant) break;
    // Two walls in one DST gap share an instant: the server's next occurrence is strictly after the last.
    if (instant > previous) result.push(new Date((previous = instant)));
  }
  return result;
}
