/** The task form's values <-> the API's task fields (pure, tested). */
import type { Priority, Task, TaskPatchInput } from "@/api/types";
import { computeReminder, type ReminderChoice, reminderChoiceOf } from "./reminder";
import { instantToWallTime, wallTimeToInstant } from "./time";

export interface TaskFormValues {
  title: string;
  description: string;
  priority: Priority;
  tags: string[];
  /** YYYY-MM-DD or "" */
  dueDate: string;
  /** HH:MM or "" (a date without a time is due at the end of that day: 23:59) */
  dueTime: string;
  reminder: ReminderChoice;
  recurrence: string | null;
  /** YYYY-MM-DD or "": the last day of the series */
  repeatUntil: string;
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
    reminder: { mode: "none" },
    recurrence: null,
    repeatUntil: "",
  };
}

export function taskToForm(task: Task, timeZone: string): TaskFormValues {
  const due = task.due_date ? instantToWallTime(task.due_date, timeZone) : null;
  const reminderWall = task.reminder_at ? instantToWallTime(task.reminder_at, timeZone) : { date: "", time: "" };
  return {
    title: task.title,
    description: task.description,
    priority: task.priority,
    tags: [...task.tags],
    dueDate: due?.date ?? "",
    dueTime: due?.time ?? "",
    reminder: reminderChoiceOf(task.reminder_at, task.due_date, reminderWall),
    recurrence: task.recurring_pattern,
    repeatUntil: task.recurring_end_date ? instantToWallTime(task.recurring_end_date, timeZone).date : "",
  };
}

/** The due instant of the form (ISO), null without a date, undefined when malformed. */
export function dueInstant(values: TaskFormValues, timeZone: string): string | null | undefined {
  if (!values.dueDate) return null;
  const due = wallTimeToInstant({ date: values.dueDate, time: values.dueTime || END_OF_DAY }, timeZone);
  return due ? due.toISOString() : undefined;
}

export type FormResult = { ok: true; body: Required<Pick<TaskPatchInput, "title" | "description" | "priority" | "tags" | "due_date" | "reminder_at" | "recurring_pattern" | "recurring_end_date">> } | { ok: false; fields: Record<string, string[]> };

/** The API body of the form, or the fields that are wrong before anything is sent. */
export function formToBody(values: TaskFormValues, timeZone: string): FormResult {
  const fields: Record<string, string[]> = {};
  const title = values.title.trim();
  if (!title) fields.title = ["Give the task a title."];
  if (values.dueTime && !values.dueDate) fields.due_date = ["Give a date for the due time."];
  const due = dueInstant(values, timeZone);
  if (due === undefined) fields.due_date = ["Not a valid date and time."];
  const reminder = computeReminder(values.reminder, due ? new Date(due) : null, timeZone);
  if (!reminder.ok) fields.reminder_at = [reminder.message];
  const recurrence = values.recurrence?.trim() || null;
  if (recurrence && !values.dueDate) fields.recurring_pattern = ["A repeating task needs a due date."];
  let repeatUntil: string | null = null;
  if (values.repeatUntil) {
    const end = wallTimeToInstant({ date: values.repeatUntil, time: "23:59:59" }, timeZone);
    if (!end) fields.recurring_end_date = ["Not a valid date."];
    else repeatUntil = end.toISOString();
  }
  if (Object.keys(fields).length || due === undefined || !reminder.ok) return { ok: false, fields };
  return {
    ok: true,
    body: {
      title,
      description: values.description,
      priority: values.priority,
      tags: values.tags,
      due_date: due,
      reminder_at: reminder.reminderAt,
      recurring_pattern: recurrence,
      recurring_end_date: recurrence ? repeatUntil : null,
    },
  };
}
