/**
 * A task's reminders in the form: each one at a wall-clock time in the task's zone, or a duration (ISO 8601, e.g.
 * PT15M) before the due date. The API takes them as `reminders` (`{at}` or `{before_due}`) and computes the
 * instants of the relative ones itself, moving them with the due date; here only "at" times become instants.
 */
import type { Schemas } from "@/api/types";
import {
  describeDuration,
  durationToMs,
  type Fold,
  isValidReminderOffset,
  type LocalDateTime,
  localToInstant,
  parseDuration,
} from "./datetime";

/** The offsets the form offers, as ISO 8601 durations. */
export const REMINDER_OFFSETS: readonly string[] = ["PT0S", "PT5M", "PT15M", "PT30M", "PT1H", "PT2H", "P1D", "P2D", "P1W"];

/** The most reminders a task has (the server's MAX_REMINDERS, tasks_app/reminders.py). */
export const MAX_REMINDERS = 10;

/** "At the due time", "15 minutes before", "1 day before". */
export function reminderOffsetLabel(offset: string): string {
  const duration = parseDuration(offset);
  if (duration === null) return offset;
  return durationToMs(duration) === 0 ? "At the due time" : `${describeDuration(duration, "en")} before`;
}

/** The length of an offset in ms, null when it is not a duration. */
function offsetMs(offset: string): number | null {
  const duration = parseDuration(offset);
  return duration === null ? null : durationToMs(duration);
}

/** The entry of REMINDER_OFFSETS as long as `offset` (the server's "P7D" is "P1W"), else `offset` as it is. */
export function listedOffset(offset: string): string {
  const ms = offsetMs(offset);
  return (ms !== null && REMINDER_OFFSETS.find((listed) => offsetMs(listed) === ms)) || offset;
}

/** The offsets to choose from for a reminder: REMINDER_OFFSETS, with `current` in its place when it is not one. */
export function offsetOptions(current: string): string[] {
  if (REMINDER_OFFSETS.includes(current)) return [...REMINDER_OFFSETS];
  const ms = offsetMs(current);
  const at = ms === null ? -1 : REMINDER_OFFSETS.findIndex((listed) => offsetMs(listed)! > ms);
  const options = [...REMINDER_OFFSETS];
  options.splice(at === -1 ? options.length : at, 0, current);
  return options;
}

export type ReminderChoice =
  /** `at.fold`: 1 for the second reading of a repeated time (kept from a stored reminder), else the first. */
  | { mode: "at"; at: LocalDateTime & { fold?: Fold } }
  /** `offset`: an ISO 8601 duration before the due date, e.g. "PT15M". */
  | { mode: "before"; offset: string };

export type ReminderMode = ReminderChoice["mode"];

/** A reminder of the given kind for a form: 15 minutes before the due time, or at the due day's time (else 09:00). */
export function reminderOfMode(mode: ReminderMode, due: { dueDate: string; dueTime: string }): ReminderChoice {
  return mode === "before" ? { mode, offset: "PT15M" } : { mode, at: { date: due.dueDate, time: due.dueTime || "09:00" } };
}

/** The reminder "Add a reminder" appends: before the due time when there is a due date, else at a time. */
export function newReminder(due: { dueDate: string; dueTime: string }): ReminderChoice {
  return reminderOfMode(due.dueDate ? "before" : "at", due);
}

/** The choice of a stored reminder: relative (its offset, as listed when it is one), else its wall-clock time. */
export function reminderChoiceOf(
  reminder: Schemas["ReminderOutput"],
  wallOf: (instant: string) => LocalDateTime & { fold?: Fold },
): ReminderChoice {
  if (reminder.before_due !== null) return { mode: "before", offset: listedOffset(reminder.before_due) };
  return { mode: "at", at: reminder.at ? wallOf(reminder.at) : { date: "", time: "" } };
}

export type ReminderInput = Schemas["ReminderInput"];
export type RemindersResult = { ok: true; reminders: ReminderInput[] } | { ok: false; fields: Record<string, string[]> };

/** One reminder for the API: a relative one as its duration, an "at" one as the instant of its time in the zone. */
function reminderInput(choice: ReminderChoice, hasDue: boolean, timeZone: string): ReminderInput | string {
  if (choice.mode === "before") {
    const duration = parseDuration(choice.offset);
    if (duration === null || !isValidReminderOffset(duration)) return "Choose how long before the due date (up to 366 days).";
    return hasDue ? { before_due: choice.offset } : "A reminder before the due date needs a due date.";
  }
  if (!choice.at.date || !choice.at.time) return "Give the reminder's date and time.";
  try {
    return { at: localToInstant(choice.at.date, choice.at.time, timeZone, choice.at.fold) };
  } catch (error) {
    if (error instanceof RangeError) return "Not a valid date and time.";
    throw error;
  }
}

/**
 * The API's `reminders` for the form's list, or the problems: a reminder's under `reminders.N` (N from 0) and, as
 * the API's nested errors do (src/api/errors.ts), under `reminders` too; the list's own under `reminders`.
 */
export function remindersToInput(choices: readonly ReminderChoice[], hasDue: boolean, timeZone: string): RemindersResult {
  const fields: Record<string, string[]> = {};
  const reminders: ReminderInput[] = [];
  if (choices.length > MAX_REMINDERS) fields.reminders = [`A task has at most ${MAX_REMINDERS} reminders.`];
  choices.forEach((choice, index) => {
    const input = reminderInput(choice, hasDue, timeZone);
    if (typeof input !== "string") return reminders.push(input);
    fields[`reminders.${index}`] = [input];
    (fields.reminders ??= []).push(input);
  });
  return Object.keys(fields).length ? { ok: false, fields } : { ok: true, reminders };
}

const ROW = /^reminders\.(\d+)(?:\.|$)/;

/**
 * The messages of the form's reminder fields, for each row (`reminders.N`, `reminders.N.at`, ...) and for the list
 * (`reminders` without the copies of the rows' messages, and the single reminder's `reminder_at` and
 * `reminder_offset_hours`); a row's messages past the last row go to the list, with its number.
 */
export function reminderMessages(fields: Record<string, string[]>, count: number): { list: string[]; rows: string[][] } {
  const rows: string[][] = Array.from({ length: count }, () => []);
  const list = [...(fields.reminders ?? [])];
  const extra: string[] = [];
  for (const [key, messages] of Object.entries(fields)) {
    const match = ROW.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    for (const message of messages) {
      const copy = list.indexOf(message);
      if (copy >= 0) list.splice(copy, 1);
      if (index < count) rows[index]!.push(message);
      else extra.push(`Reminder ${index + 1}: ${message}`);
    }
  }
  return { list: [...list, ...extra, ...(fields.reminder_at ?? []), ...(fields.reminder_offset_hours ?? [])], rows };
}
