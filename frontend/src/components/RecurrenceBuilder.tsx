"use client";
/**
 * ┌──────────────────────────────────────────────────────────────────────────────────────────────────────┐
 * │ SLOT: RecurrenceBuilder. The RRULE builder and preview (src/lib/recurrence/, written separately)     │
 * │ plugs in here. Until then this is a plain text input of the RRULE (RFC 5545, without "RRULE:").       │
 * │ Keep the props: the task form (src/components/TaskForm.tsx) depends on them.                          │
 * └──────────────────────────────────────────────────────────────────────────────────────────────────────┘
 */
import { useId } from "react";

export interface RecurrenceBuilderProps {
  /** The RRULE, e.g. "FREQ=WEEKLY;BYDAY=MO,WE", or null for a task that does not repeat. */
  value: string | null;
  onChange: (value: string | null) => void;
  /** The IANA zone the rule runs in (the task's wall clock). */
  timeZone: string;
  /** The task's due instant (ISO 8601), or null without a due date: the series starts there. */
  dueDate: string | null;
  /** Optional: the id of the element holding field errors, for aria-describedby. */
  errorId?: string;
  invalid?: boolean;
}

export function RecurrenceBuilder({ value, onChange, timeZone, dueDate, errorId, invalid }: RecurrenceBuilderProps) {
  const id = useId();
  const helpId = `${id}-help`;
  return (
    <div className="field" data-slot="recurrence-builder">
      <label htmlFor={id}>Repeat rule (RRULE)</label>
      <input
        id={id}
        type="text"
        inputMode="text"
        spellCheck={false}
        autoComplete="off"
        placeholder="FREQ=WEEKLY;BYDAY=MO"
        value={value ?? ""}
        onChange={(event) => onChange(event.target.value.trim() ? event.target.value : null)}
        aria-describedby={[helpId, invalid ? errorId : undefined].filter(Boolean).join(" ")}
        aria-invalid={invalid || undefined}
      />
      <p className="hint" id={helpId}>
        Leave empty for a one-off task. Occurrences follow the wall clock of {timeZone}
        {dueDate ? ", starting from the due date" : "; a repeating task needs a due date"}.
      </p>
    </div>
  );
}
