/** Reminders: at a wall-clock time, or as an offset before the due date, computed here into `reminder_at`. */
import { type WallTime, wallTimeToInstant } from "./time";

export const REMINDER_OFFSETS: readonly { minutes: number; label: string }[] = [
  { minutes: 0, label: "At the due time" },
  { minutes: 5, label: "5 minutes before" },
  { minutes: 15, label: "15 minutes before" },
  { minutes: 30, label: "30 minutes before" },
  { minutes: 60, label: "1 hour before" },
  { minutes: 120, label: "2 hours before" },
  { minutes: 24 * 60, label: "1 day before" },
  { minutes: 2 * 24 * 60, label: "2 days before" },
  { minutes: 7 * 24 * 60, label: "1 week before" },
];

export type ReminderChoice =
  | { mode: "none" }
  | { mode: "at"; at: WallTime }
  | { mode: "before"; minutes: number };

export type ReminderResult = { ok: true; reminderAt: string | null } | { ok: false; message: string };

/** The `reminder_at` (ISO 8601, UTC) for a choice, given the due instant and the zone of wall-clock times. */
export function computeReminder(choice: ReminderChoice, due: Date | null, timeZone: string): ReminderResult {
  switch (choice.mode) {
    case "none":
      return { ok: true, reminderAt: null };
    case "at": {
      if (!choice.at.date || !choice.at.time) return { ok: false, message: "Give the reminder's date and time." };
      const at = wallTimeToInstant(choice.at, timeZone);
      return at ? { ok: true, reminderAt: at.toISOString() } : { ok: false, message: "Not a valid date and time." };
    }
    case "before":
      if (!due) return { ok: false, message: "A reminder before the due date needs a due date." };
      return { ok: true, reminderAt: new Date(due.getTime() - choice.minutes * 60_000).toISOString() };
  }
}

/** The choice that matches a stored reminder: an offset from the list when it is one, else a time. */
export function reminderChoiceOf(reminderAt: string | null, due: string | null, at: WallTime): ReminderChoice {
  if (!reminderAt) return { mode: "none" };
  if (due) {
    const minutes = (new Date(due).getTime() - new Date(reminderAt).getTime()) / 60_000;
    if (REMINDER_OFFSETS.some((offset) => offset.minutes === minutes)) return { mode: "before", minutes };
  }
  return { mode: "at", at };
}
