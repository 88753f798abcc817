"use client";
import { type FormEvent, useId, useRef, useState } from "react";
import { flushSync } from "react-dom";
import type { ProblemInfo } from "@/api/errors";
import { PRIORITIES } from "@/api/types";
import {
  MAX_REMINDERS,
  newReminder,
  offsetOptions,
  type ReminderChoice,
  reminderMessages,
  type ReminderMode,
  reminderOfMode,
  reminderOffsetLabel,
} from "@/lib/reminder";
import { dueInstant, END_OF_DAY, formToBody, type FormResult, localTimeNote, type TaskFormValues } from "@/lib/taskForm";
import { RecurrenceBuilder } from "./RecurrenceBuilder";
import { ErrorMessage, FieldErrors } from "./Status";
import { TagInput } from "./TagInput";

type Body = Extract<FormResult, { ok: true }>["body"];

/**
 * Fields of the API's error details shown next to a control (with their nested ones, e.g. `reminders.0.at`); any
 * other field's messages go to the summary.
 */
const FORM_FIELDS = ["title", "description", "priority", "tags", "due_date", "reminders", "reminder_at", "reminder_offset_hours", "recurring_pattern", "recurring_end_date", "recurrence_anchor", "timezone"];

export function TaskForm({
  initial,
  timeZone,
  tagSuggestions,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial: TaskFormValues;
  timeZone: string;
  tagSuggestions: readonly string[];
  submitLabel: string;
  /** Sends the body; resolves to the API's problem when it refused it, null when it was saved. */
  onSubmit: (body: Body) => Promise<ProblemInfo | null>;
  onCancel: () => void;
}) {
  const id = useId();
  const [values, setValues] = useState<TaskFormValues>(initial);
  const [fields, setFields] = useState<Record<string, string[]>>({});
  const [problem, setProblem] = useState<ProblemInfo | null>(null);
  const [busy, setBusy] = useState(false);
  const addReminderRef = useRef<HTMLButtonElement>(null);
  const set = <K extends keyof TaskFormValues>(key: K, value: TaskFormValues[K]) =>
    setValues((current) => ({ ...current, [key]: value }));
  const setReminder = (index: number, reminder: ReminderChoice) =>
    setValues((current) => ({ ...current, reminders: current.reminders.map((r, i) => (i === index ? reminder : r)) }));
  /** Removes a row: the reminders' messages no longer match their rows (they go), and the focus goes to "Add a reminder". */
  function removeReminder(index: number) {
    flushSync(() => {
      setValues((current) => ({ ...current, reminders: current.reminders.filter((_, i) => i !== index) }));
      setFields((current) => Object.fromEntries(Object.entries(current).filter(([field]) => !/^reminders(\.|$)/.test(field))));
    });
    addReminderRef.current?.focus();
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const result = formToBody(values, timeZone);
    if (!result.ok) {
      setFields(result.fields);
      setProblem({ status: 0, code: "invalid", message: "Check the highlighted fields.", fields: result.fields });
      return;
    }
    setBusy(true);
    setProblem(null);
    const refused = await onSubmit(result.body);
    setBusy(false);
    if (refused) {
      setFields(refused.fields);
      setProblem(refused);
    }
  }

  const err = (field: string) => `${id}-${field}-error`;
  const invalid = (field: string) => Boolean(fields[field]?.length);
  const describedBy = (field: string, ...more: string[]) =>
    [...more, invalid(field) ? err(field) : ""].filter(Boolean).join(" ") || undefined;
  const other = Object.entries(fields).filter(([field]) => !FORM_FIELDS.includes(field.split(".")[0] ?? field));
  const due = dueInstant(values, timeZone) ?? null;
  // DST: a due or reminder time that the zone's clocks skip or repeat that day gets a note.
  const dueNote = values.dueDate
    ? localTimeNote(values.dueDate, values.dueTime || END_OF_DAY, timeZone, values.dueFold)
    : null;
  const reminderErrors = reminderMessages(fields, values.reminders.length);

  return (
    <form className="form" onSubmit={submit} noValidate aria-busy={busy}>
      {problem ? (
        <ErrorMessage problem={problem}>
          {other.length ? (
            <ul>
              {other.map(([field, messages]) => (
                <li key={field}>{field === "non_field_errors" ? messages.join(" ") : `${field}: ${messages.join(" ")}`}</li>
              ))}
            </ul>
          ) : null}
        </ErrorMessage>
      ) : null}

      <div className="field">
        <label htmlFor={`${id}-title`}>Title (required)</label>
        <input
          id={`${id}-title`}
          type="text"
          required
          maxLength={255}
          value={values.title}
          onChange={(event) => set("title", event.target.value)}
          aria-invalid={invalid("title") || undefined}
          aria-describedby={describedBy("title")}
        />
        <FieldErrors id={err("title")} messages={fields.title} />
      </div>

      <div className="field">
        <label htmlFor={`${id}-description`}>Description</label>
        <textarea
          id={`${id}-description`}
          rows={4}
          maxLength={10000}
          value={values.description}
          onChange={(event) => set("description", event.target.value)}
          aria-invalid={invalid("description") || undefined}
          aria-describedby={describedBy("description")}
        />
        <FieldErrors id={err("description")} messages={fields.description} />
      </div>

      <div className="field">
        <label htmlFor={`${id}-priority`}>Priority</label>
        <select
          id={`${id}-priority`}
          value={values.priority}
          onChange={(event) => set("priority", event.target.value as TaskFormValues["priority"])}
          aria-invalid={invalid("priority") || undefined}
          aria-describedby={describedBy("priority")}
        >
          {PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {priority[0]!.toUpperCase() + priority.slice(1)}
            </option>
          ))}
        </select>
        <FieldErrors id={err("priority")} messages={fields.priority} />
      </div>

      <TagInput
        label="Tags"
        tags={values.tags}
        onChange={(tags) => set("tags", tags)}
        suggestions={tagSuggestions}
        errorId={err("tags")}
        invalid={invalid("tags")}
      />
      <FieldErrors id={err("tags")} messages={fields.tags} />

      <fieldset className="fieldset">
        <legend>Due</legend>
        <p className="hint" id={`${id}-zone`}>
          Times are in {timeZone}.
        </p>
        <div className="row">
          <div className="field">
            <label htmlFor={`${id}-due-date`}>Date</label>
            <input
              id={`${id}-due-date`}
              type="date"
              value={values.dueDate}
              onChange={(event) => setValues((current) => ({ ...current, dueDate: event.target.value, dueFold: 0 }))}
              aria-invalid={invalid("due_date") || undefined}
              aria-describedby={describedBy("due_date", `${id}-zone`)}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-due-time`}>Time (optional)</label>
            <input
              id={`${id}-due-time`}
              type="time"
              value={values.dueTime}
              onChange={(event) => setValues((current) => ({ ...current, dueTime: event.target.value, dueFold: 0 }))}
              aria-describedby={`${id}-zone ${id}-due-time-hint ${id}-due-time-dst`}
            />
            <p className="hint" id={`${id}-due-time-hint`}>
              Without a time, the task is due at 23:59.
            </p>
            <p className="hint dst-note" id={`${id}-due-time-dst`} aria-live="polite">
              {dueNote}
            </p>
          </div>
          {values.dueDate || values.dueTime ? (
            <button
              type="button"
              className="button button-quiet"
              onClick={() => setValues((current) => ({ ...current, dueDate: "", dueTime: "", dueFold: 0 }))}
            >
              Clear due date
            </button>
          ) : null}
        </div>
        <FieldErrors id={err("due_date")} messages={fields.due_date} />
      </fieldset>

      <fieldset className="fieldset">
        <legend>Reminders</legend>
        {values.reminders.length ? (
          <ol className="reminder-rows">
            {values.reminders.map((reminder, index) => (
              <ReminderRow
                key={index}
                id={`${id}-reminder-${index}`}
                zoneId={`${id}-zone`}
                number={index + 1}
                reminder={reminder}
                timeZone={timeZone}
                messages={reminderErrors.rows[index] ?? []}
                onChange={(next) => setReminder(index, next)}
                onKindChange={(mode) => setReminder(index, reminderOfMode(mode, values))}
                onRemove={() => removeReminder(index)}
              />
            ))}
          </ol>
        ) : (
          <p className="hint">No reminders.</p>
        )}
        <div className="actions">
          <button
            ref={addReminderRef}
            type="button"
            className="button"
            onClick={() => setValues((current) => ({ ...current, reminders: [...current.reminders, newReminder(current)] }))}
            disabled={values.reminders.length >= MAX_REMINDERS}
            aria-describedby={`${id}-reminders-hint`}
          >
            Add a reminder
          </button>
          <p className="hint" id={`${id}-reminders-hint`}>
            Up to {MAX_REMINDERS}. A reminder before the due time moves with it.
          </p>
        </div>
        <FieldErrors id={err("reminders")} messages={reminderErrors.list} />
      </fieldset>

      <fieldset className="fieldset">
        <legend>Repeat</legend>
        <RecurrenceBuilder
          value={values.recurrence}
          onChange={(value) => set("recurrence", value)}
          timeZone={timeZone}
          dueDate={due}
          errorId={err("recurring_pattern")}
          invalid={invalid("recurring_pattern")}
          fromCompletion={values.repeatFrom === "completion"}
        />
        <FieldErrors id={err("recurring_pattern")} messages={fields.recurring_pattern} />
        {values.recurrence ? (
          <div className="field">
            <label htmlFor={`${id}-anchor`}>Count the next one from</label>
            <select
              id={`${id}-anchor`}
              value={values.repeatFrom}
              onChange={(event) => set("repeatFrom", event.target.value as TaskFormValues["repeatFrom"])}
              aria-invalid={invalid("recurrence_anchor") || undefined}
              aria-describedby={describedBy("recurrence_anchor")}
            >
              <option value="due">the due dates (on schedule)</option>
              <option value="completion">each completion (after it is done)</option>
            </select>
            <FieldErrors id={err("recurrence_anchor")} messages={fields.recurrence_anchor} />
          </div>
        ) : null}
        {values.recurrence ? (
          <div className="field">
            <label htmlFor={`${id}-until`}>Repeat until (optional)</label>
            <input
              id={`${id}-until`}
              type="date"
              value={values.repeatUntil}
              onChange={(event) => set("repeatUntil", event.target.value)}
              aria-invalid={invalid("recurring_end_date") || undefined}
              aria-describedby={describedBy("recurring_end_date")}
            />
            <FieldErrors id={err("recurring_end_date")} messages={fields.recurring_end_date} />
          </div>
        ) : null}
      </fieldset>
      <FieldErrors id={err("timezone")} messages={fields.timezone} />

      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** One reminder of the form: its kind, then its offset or its date and time (with a DST note), and its removal. */
function ReminderRow({
  id,
  zoneId,
  number,
  reminder,
  timeZone,
  messages,
  onChange,
  onKindChange,
  onRemove,
}: {
  /** The prefix of the row's ids (unique in the page). */
  id: string;
  /** The hint that names the zone of the times. */
  zoneId: string;
  /** From 1, in the labels. */
  number: number;
  reminder: ReminderChoice;
  timeZone: string;
  /** The API's (or the form's) messages for this reminder. */
  messages: readonly string[];
  onChange: (reminder: ReminderChoice) => void;
  onKindChange: (mode: ReminderMode) => void;
  onRemove: () => void;
}) {
  const invalid = messages.length > 0 || undefined;
  const describedBy = (...more: string[]) => [...more, invalid ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const name = <span className="visually-hidden">Reminder {number} </span>;
  return (
    <li className="reminder-row">
      <div className="row">
        <div className="field">
          <label htmlFor={`${id}-kind`}>
            Reminder {number}
            <span className="visually-hidden"> kind</span>
          </label>
          <select id={`${id}-kind`} value={reminder.mode} onChange={(event) => onKindChange(event.target.value as ReminderMode)}>
            <option value="before">Before the due time</option>
            <option value="at">At a date and time</option>
          </select>
        </div>
        {reminder.mode === "before" ? (
          <div className="field">
            <label htmlFor={`${id}-offset`}>{name}Offset</label>
            <select
              id={`${id}-offset`}
              value={reminder.offset}
              onChange={(event) => onChange({ mode: "before", offset: event.target.value })}
              aria-invalid={invalid}
              aria-describedby={describedBy()}
            >
              {offsetOptions(reminder.offset).map((offset) => (
                <option key={offset} value={offset}>
                  {reminderOffsetLabel(offset)}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor={`${id}-date`}>{name}Date</label>
              <input
                id={`${id}-date`}
                type="date"
                value={reminder.at.date}
                onChange={(event) => onChange({ mode: "at", at: { date: event.target.value, time: reminder.at.time } })}
                aria-invalid={invalid}
                aria-describedby={describedBy(zoneId)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-time`}>{name}Time</label>
              <input
                id={`${id}-time`}
                type="time"
                value={reminder.at.time}
                onChange={(event) => onChange({ mode: "at", at: { date: reminder.at.date, time: event.target.value } })}
                aria-invalid={invalid}
                aria-describedby={describedBy(zoneId, `${id}-dst`)}
              />
              <p className="hint dst-note" id={`${id}-dst`} aria-live="polite">
                {localTimeNote(reminder.at.date, reminder.at.time, timeZone, reminder.at.fold)}
              </p>
            </div>
          </>
        )}
        <button type="button" className="button button-quiet" onClick={onRemove} aria-label={`Remove reminder ${number}`}>
          Remove
        </button>
      </div>
      <FieldErrors id={`${id}-error`} messages={messages} />
    </li>
  );
}
