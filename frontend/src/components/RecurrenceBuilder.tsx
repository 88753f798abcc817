"use client";
/**
 * The repeat controls of the task form: a preset (daily, weekdays, weekly on days, monthly on a day or the
 * last day, yearly) with "every N" and an end, or a custom RRULE, and a live preview (the rule in words and
 * the next dates in the task's zone). State <-> pattern lives in src/lib/recurrenceForm.ts.
 *
 * The controls are initialised from `value` once; afterwards they are the source of truth and report every
 * change through `onChange` (mount it with a new `key` to reset it).
 */
import { useId, useMemo, useState } from "react";
import { formatDate, formatTime } from "@/lib/datetime";
import { WEEKDAYS } from "@/lib/recurrence";
import {
  type BuilderState,
  chooseRepeat,
  DAY_NAMES,
  type EndKind,
  intervalUnit,
  previewOf,
  REPEAT_OPTIONS,
  type Repeat,
  stateFromRule,
  stateToRule,
} from "@/lib/recurrenceForm";

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
  /**
   * The series is counted from each completion (`recurrence_anchor: completion`): its dates depend on when each
   * one is done, so the preview gives the rule in words (weekdays from the rule, not the due date) and no dates.
   */
  fromCompletion?: boolean;
}

const ENDS: readonly [EndKind, string][] = [
  ["never", "Never"],
  ["on", "On a date"],
  ["after", "After a number of occurrences"],
];

export function RecurrenceBuilder({ value, onChange, timeZone, dueDate, errorId, invalid, fromCompletion = false }: RecurrenceBuilderProps) {
  const id = useId();
  const [state, setState] = useState<BuilderState>(() => stateFromRule(value));
  // Without a due date the preview assumes a completion now; taken once, so typing does not move it.
  const [now] = useState(() => Date.now());
  const { rule, problems } = useMemo(() => stateToRule(state), [state]);
  const valid = rule !== null && Object.keys(problems).length === 0;
  const preview = useMemo(
    () => (valid ? previewOf(rule, fromCompletion ? null : dueDate, timeZone, now) : null),
    [valid, rule, dueDate, timeZone, now, fromCompletion],
  );

  function update(next: BuilderState) {
    setState(next);
    onChange(stateToRule(next).rule);
  }
  const patch = (fields: Partial<BuilderState>) => update({ ...state, ...fields });

  const unit = intervalUnit(state.repeat);
  const formError = invalid && errorId ? errorId : undefined;
  const describe = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(" ") || undefined;
  const problem = (field: keyof typeof problems) =>
    problems[field] ? (
      <p className="field-errors" id={`${id}-${field}-problem`}>
        {problems[field]}
      </p>
    ) : null;
  const problemId = (field: keyof typeof problems) => problems[field] && `${id}-${field}-problem`;
  const anchor = dueDate ? "the due date" : "the completion";

  return (
    <div className="recurrence" data-slot="recurrence-builder">
      <div className="field">
        <label htmlFor={`${id}-repeat`}>Repeat</label>
        <select
          id={`${id}-repeat`}
          value={state.repeat}
          onChange={(event) => update(chooseRepeat(state, event.target.value as Repeat))}
          aria-invalid={(invalid && state.repeat !== "custom") || undefined}
          aria-describedby={describe(state.repeat !== "custom" && formError)}
        >
          {REPEAT_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>

      {unit ? (
        <div className="field">
          <label htmlFor={`${id}-interval`}>Every</label>
          <div className="inline inline-unit">
            <input
              id={`${id}-interval`}
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              value={state.interval}
              onChange={(event) => patch({ interval: event.target.value })}
              aria-invalid={Boolean(problems.interval) || undefined}
              aria-describedby={describe(`${id}-unit`, problemId("interval"))}
            />
            <span id={`${id}-unit`}>{state.interval.trim() === "1" ? unit[0] : unit[1]}</span>
          </div>
          {problem("interval")}
        </div>
      ) : null}

      {state.repeat === "weekly" ? (
        <fieldset className="fieldset weekdays" aria-describedby={`${id}-days-hint`}>
          <legend>On days</legend>
          <div className="weekday-list">
            {WEEKDAYS.map((day) => (
              <label key={day} className="weekday">
                <input
                  type="checkbox"
                  checked={state.days.includes(day)}
                  onChange={(event) =>
                    patch({
                      days: event.target.checked ? [...state.days, day] : state.days.filter((d) => d !== day),
                    })
                  }
                />
                <span aria-hidden="true">{DAY_NAMES[day].slice(0, 3)}</span>
                <span className="visually-hidden">{DAY_NAMES[day]}</span>
              </label>
            ))}
          </div>
          <p className="hint" id={`${id}-days-hint`}>
            None ticked: on the weekday of {anchor}.
          </p>
        </fieldset>
      ) : null}

      {state.repeat === "monthly-day" ? (
        <div className="field">
          <label htmlFor={`${id}-month-day`}>Day of the month</label>
          <input
            id={`${id}-month-day`}
            type="number"
            inputMode="numeric"
            min={1}
            max={31}
            step={1}
            value={state.monthDay}
            onChange={(event) => patch({ monthDay: event.target.value })}
            aria-invalid={Boolean(problems.monthDay) || undefined}
            aria-describedby={describe(`${id}-month-day-hint`, problemId("monthDay"))}
          />
          <p className="hint" id={`${id}-month-day-hint`}>
            Empty: the day of {anchor}. Months without that day (e.g. the 31st) are skipped.
          </p>
          {problem("monthDay")}
        </div>
      ) : null}

      {unit ? (
        <fieldset className="fieldset">
          <legend>Ends</legend>
          <div className="radios">
            {ENDS.map(([kind, label]) => (
              <label key={kind} className="radio">
                <input
                  type="radio"
                  name={`${id}-end`}
                  value={kind}
                  checked={state.end === kind}
                  onChange={() => patch({ end: kind })}
                />
                {label}
              </label>
            ))}
          </div>
          {state.end === "on" ? (
            <div className="field">
              <label htmlFor={`${id}-end-date`}>End date</label>
              <input
                id={`${id}-end-date`}
                type="date"
                value={state.endDate}
                onChange={(event) => patch({ endDate: event.target.value })}
                aria-invalid={Boolean(problems.endDate) || undefined}
                aria-describedby={describe(problemId("endDate"))}
              />
              {problem("endDate")}
            </div>
          ) : null}
          {state.end === "after" ? (
            <div className="field">
              <label htmlFor={`${id}-end-count`}>How many times</label>
              <input
                id={`${id}-end-count`}
                type="number"
                inputMode="numeric"
                min={1}
                step={1}
                value={state.endCount}
                onChange={(event) => patch({ endCount: event.target.value })}
                aria-invalid={Boolean(problems.endCount) || undefined}
                aria-describedby={describe(`${id}-end-count-hint`, problemId("endCount"))}
              />
              <p className="hint" id={`${id}-end-count-hint`}>
                Counting the first one.
              </p>
              {problem("endCount")}
            </div>
          ) : null}
        </fieldset>
      ) : null}

      {state.repeat === "custom" ? (
        <div className="field">
          <label htmlFor={`${id}-custom`}>Repeat rule (RRULE)</label>
          <input
            id={`${id}-custom`}
            type="text"
            spellCheck={false}
            autoComplete="off"
            autoCapitalize="characters"
            placeholder="FREQ=MONTHLY;BYDAY=1MO"
            value={state.custom}
            onChange={(event) => patch({ custom: event.target.value })}
            aria-invalid={Boolean(problems.custom) || invalid || undefined}
            aria-describedby={describe(`${id}-custom-check`, formError)}
          />
          <p className={problems.custom ? "field-errors" : "hint"} id={`${id}-custom-check`} aria-live="polite">
            {problems.custom ?? "Valid rule."}
          </p>
        </div>
      ) : null}

      {state.repeat !== "none" ? (
        <div className="recurrence-preview" aria-live="polite">
          {preview?.ok ? (
            <>
              <p className="recurrence-summary">{preview.description}</p>
              {fromCompletion ? (
                <p className="hint">
                  Counted from each completion: every next date follows the day the last one was done
                  {dueDate ? ", at the due date's time" : ""}, so the dates ahead are not known yet.
                </p>
              ) : (
                <>
                  <p className="hint">
                    {dueDate
                      ? `Starting on the due date, in ${timeZone}:`
                      : `No due date: the series starts when the task is completed. If it were completed now, the next dates in ${timeZone} would be:`}
                  </p>
                  {preview.dates.length ? (
                    <ol className="recurrence-dates">
                      {preview.dates.map((date) => (
                        <li key={date.getTime()}>
                          <time dateTime={date.toISOString()}>
                            {formatDate(date, { timeZone })}, {formatTime(date, { timeZone, showZone: true })}
                          </time>
                        </li>
                      ))}
                    </ol>
                  ) : null}
                  {preview.ended ? (
                    <p className="hint">{preview.dates.length ? "The series ends there." : "No date follows: the series ends."}</p>
                  ) : null}
                </>
              )}
            </>
          ) : preview ? (
            <p className="field-errors">{preview.message}</p>
          ) : (
            <p className="hint">Complete the repeat settings to see the next dates.</p>
          )}
        </div>
      ) : null}
    </div>
  );
}
