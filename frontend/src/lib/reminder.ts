/**
 * Reminders: at a wall-clock time, or a duration (ISO 8601, e.g. PT15M) before the due date, computed here
 * into `reminder_at` with src/lib/datetime (durations of exact hours, as the server's offsets are).
 */
import {
  describeDuration,
  durationToMs,
  type Fold,
  type LocalDateTime,
  localToInstant,
  offsetBefore,
  parseDuration,
  reminderBefore,
} from "./datetime";

/** The offsets the form offers, as ISO 8601 durations. */
export const REMINDER_OFFSETS: readonly string[] = ["PT0S", "PT5M", "PT15M", "PT30M", "PT1H", "PT2H", "P1D", "P2D", "P1W"];

/** "At the due time", "15 minutes before", "1 day before". */
export function reminderOffsetLabel(offset: string): string {
  const duration = parseDuration(offset);
  if (duration === null) return offset;
  return durationToMs(duration) === 0 ? "At the due time" : `${describeDuration(duration, "en")} before`;
}

export type ReminderChoice =
  | { mode: "none" }
  /** `at.fold`: 1 for the second reading of a repeated time (kept from a stored reminder), else the first. */
  | { mode: "at"; at: LocalDateTime & { fold?: Fold } }
  /** `offset`: an ISO 8601 duration before the due date, e.g. "PT15M". */
  | { mode: "before"; offset: string };

export type ReminderResult = { ok: true; reminderAt: string | null } | { ok: false; message: string };

/** The `reminder_at` (ISO 8601, UTC) for a choice, given the due instant and the zone of wall-clock times. */
export function computeReminder(choice: ReminderChoice, due: Date | null, timeZone: string): ReminderResult {
  try {
    switch (choice.mode) {
      case "none":
        return { ok: true, reminderAt: null };
      case "at":
        if (!choice.at.date || !choice.at.time) return { ok: false, message: "Give the reminder's date and time." };
        return { ok: true, reminderAt: localToInstant(choice.at.date, choice.at.time, timeZone, choice.at.fold) };
      case "before":
        if (!due) return { ok: false, message: "A reminder before the due date needs a due date." };
        return { ok: true, reminderAt: reminderBefore(due, choice.offset).toISOString() };
    }
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, message: "Not a valid date and time." };
    throw error;
  }
}

/** The choice that matches a stored reminder: an offset from the list when it is one, else a time. */
export function reminderChoiceOf(
  reminderAt: string | null,
  due: string | null,
  at: LocalDateTime & { fold?: Fold },
): ReminderChoice {
  if (!reminderAt) return { mode: "none" };
  const span = due ? offsetBefore(due, reminderAt) : null;
  const offset = span && REMINDER_OFFSETS.find((o) => durationToMs(parseDuration(o)!) === durationToMs(span));
  return offset ? { mode: "before", offset } : { mode: "at", at };
}
