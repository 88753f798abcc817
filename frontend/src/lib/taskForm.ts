/** The task form's values <-> the API's task fields (pure, tested). */
import type { Priority, RecurrenceAnchor, Task, TaskPatchInput } from "@/api/types";
import { type Fold, instantToLocal, type LocalDateTime, localTimeKind, localToInstant, timeZoneName } from "./datetime";
import { validateRule } from "./recurrence";
import { type ReminderChoice, reminderChoiceOf, remindersToInput } from "./reminder";

export interface TaskFormValues {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  /** YYYY-MM-DD or "" */
  dueDate: string;
  /** HH:MM[:SS] or "" (a date without a time is due at the end of that day: 23:59) */
  dueTime: string;
  /** 1 when a stored due date is the second reading of a repeated local time (kept until the time is edited). */
  dueFold?: Fold;
  /** In the order of the form's rows; empty for no reminder (src/lib/reminder). */
  reminders: ReminderChoice[];
  /** The pattern (src/lib/recurrence), null when the task does not repeat; checked with validateRule. */
  recurrence: string | null;
  /** YYYY-MM-DD or "": the last day of the series */
  repeatUntil: string;
  /** What the next occurrence is counted from: the rule's due dates, or the day the last one was completed. */
  repeatFrom: RecurrenceAnchor;
}

export const END_OF_DAY = "23:59";

export function emptyTaskForm(): TaskFormValues {
  return {
    title: "",
    description: "",
    priority: "medium",
    tags: [],
    dueDate: "",
    dueTime: "",
    reminders: [],
    recurrence: null,
    repeatUntil: "",
    repeatFrom: "due",
  };
}

/** The local date and time of a stored instant, with fold 1 when it is the second of a repeated time. */
function localOf(instant: string, timeZone: string): LocalDateTime & { fold?: Fold } {
  const local = instantToLocal(instant, timeZone);
  const first = localToInstant(local.date, local.time, timeZone);
  return Date.parse(first) === Date.parse(instant) ? local : { ...local, fold: 1 };
}

export function taskToForm(task: Task, timeZone: string): TaskFormValues {
  const due = task.due_date ? localOf(task.due_date, timeZone) : null;
  return {
    title: task.title,
    description: task.description,
    priority: task.priority,
    tags: [...task.tags],
    dueDate: due?.date ?? "",
    dueTime: due?.time ?? "",
    ...(due?.fold ? { dueFold: due.fold } : {}),
    reminders: task.reminders.map((reminder) => reminderChoiceOf(reminder, (instant) => localOf(instant, timeZone))),
    recurrence: task.recurring_pattern,
    repeatUntil: task.recurring_end_date ? instantToLocal(task.recurring_end_date, timeZone).date : "",
    repeatFrom: task.recurrence_anchor,
  };
}

/** The instant (ISO) of a local date and time in the zone, with the server's DST choices; undefined if malformed. */
function toInstant(date: string, time: string, timeZone: string, fold: Fold = 0): string | undefined {
  try {
    return localToInstant(date, time, timeZone, fold);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * A note for a local time that a DST change skips (it moves forward, e.g. to 03:00) or repeats (the first
 * one counts, as on the server); null for an ordinary or malformed time.
 */
export function localTimeNote(date: string, time: string, timeZone: string, fold: Fold = 0): string | null {
  let kind;
  try {
    kind = localTimeKind(date, time, timeZone);
  } catch {
    return null;
  }
  if (kind === "exact") return null;
  const instant = localToInstant(date, time, timeZone, kind === "skipped" ? 0 : fold);
  if (kind === "skipped") {
    const moved = instantToLocal(instant, timeZone).time;
    return `${time} does not exist on ${date} in ${timeZone} (the clocks go forward): it becomes ${moved}.`;
  }
  const zone = timeZoneName(instant, timeZone, "en-US");
  return `${time} happens twice on ${date} in ${timeZone} (the clocks go back): the ${fold ? "second" : "first"} one (${zone}) counts.`;
}

/** The due instant of the form (ISO), null without a date, undefined when malformed. */
export function dueInstant(values: TaskFormValues, timeZone: string): string | null | undefined {
  if (!values.dueDate) return null;
  return toInstant(values.dueDate, values.dueTime || END_OF_DAY, timeZone, values.dueTime ? values.dueFold : 0);
}

export type FormResult =
  | { ok: true; body: Required<Pick<TaskPatchInput, "title" | "description" | "priority" | "tags" | "due_date" | "reminders" | "recurring_pattern" | "recurring_end_date" | "recurrence_anchor">> }
  | { ok: false; fields: Record<string, string[]> };

/** The API body of the form, or the fields that are wrong before anything is sent. */
export function formToBody(values: TaskFormValues, timeZone: string): FormResult {
  const fields: Record<string, string[]> = {};
  const title = values.title.trim();
  if (!title) fields.title = ["Give the task a title."];
  if (values.dueTime && !values.dueDate) fields.due_date = ["Give a date for the due time."];
  const due = dueInstant(values, timeZone);
  if (due === undefined) fields.due_date = ["Not a valid date and time."];
  // A malformed due date is the due date's problem, not its relative reminders'.
  const reminders = remindersToInput(values.reminders, due !== null, timeZone);
  if (!reminders.ok) Object.assign(fields, reminders.fields);
  // Without a due date the server starts the series at the completion.
  const recurrence = values.recurrence === null ? null : values.recurrence.trim();
  if (recurrence !== null && !validateRule(recurrence).ok) fields.recurring_pattern = ["Check the repeat settings."];
  // Counted from each completion, a COUNT would start again every time (the server refuses it too).
  if (recurrence && values.repeatFrom === "completion" && /(^|;)\s*COUNT=/i.test(recurrence)) {
    fields.recurrence_anchor = ["A series counted from each completion cannot end after a number of times: give an end date."];
  }
  let repeatUntil: string | null = null;
  if (values.repeatUntil) {
    const end = toInstant(values.repeatUntil, "23:59:59", timeZone);
    if (!end) fields.recurring_end_date = ["Not a valid date."];
    else repeatUntil = end;
  }
  if (Object.keys(fields).length || due === undefined || !reminders.ok) return { ok: false, fields };
  return {
    ok: true,
    body: {
      title,
      description: values.description,
      priority: values.priority,
      tags: values.tags,
      due_date: due,
      reminders: reminders.reminders,
      recurring_pattern: recurrence,
      recurring_end_date: recurrence ? repeatUntil : null,
      recurrence_anchor: recurrence ? values.repeatFrom : "due",
    },
  };
}
