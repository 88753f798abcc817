"use client";
import { type KeyboardEvent, useId, useState } from "react";

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 50;

/** Tags typed one at a time (Enter or comma adds), with suggestions from the user's existing tags. */
export function TagInput({
  label,
  tags,
  onChange,
  suggestions,
  errorId,
  invalid,
  max = MAX_TAGS,
}: {
  label: string;
  tags: readonly string[];
  onChange: (tags: string[]) => void;
  suggestions: readonly string[];
  errorId?: string;
  invalid?: boolean;
  max?: number;
}) {
  const id = useId();
  const [draft, setDraft] = useState("");
  const [note, setNote] = useState("");
  const listId = `${id}-suggestions`;
  const helpId = `${id}-help`;

  function add(raw: string) {
    const tag = raw.trim();
    if (!tag) return;
    if (tag.length > MAX_TAG_LENGTH) return setNote(`A tag has at most ${MAX_TAG_LENGTH} characters.`);
    if (tags.includes(tag)) return setDraft("");
    if (tags.length >= max) return setNote(`At most ${max} tags.`);
    onChange([...tags, tag]);
    setDraft("");
    setNote(`Added tag ${tag}.`);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      add(draft);
    } else if (event.key === "Backspace" && !draft && tags.length) {
      const last = tags[tags.length - 1];
      onChange(tags.slice(0, -1));
      setNote(`Removed tag ${last}.`);
    }
  }

  const available = suggestions.filter((tag) => !tags.includes(tag));
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {tags.length ? (
        <ul className="chips" aria-label={`${label}: chosen`}>
          {tags.map((tag) => (
            <li key={tag} className="chip">
              <span>{tag}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove tag ${tag}`}
                onClick={() => {
                  onChange(tags.filter((other) => other !== tag));
                  setNote(`Removed tag ${tag}.`);
                }}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="inline">
        <input
          id={id}
          type="text"
          list={listId}
          value={draft}
          maxLength={MAX_TAG_LENGTH}
          autoComplete="off"
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby={[helpId, invalid ? errorId : undefined].filter(Boolean).join(" ")}
          aria-invalid={invalid || undefined}
        />
        <button type="button" className="button" onClick={() => add(draft)} disabled={!draft.trim()}>
          Add
        </button>
      </div>
      <datalist id={listId}>
        {available.map((tag) => (
          <option key={tag} value={tag} />
        ))}
      </datalist>
      <p className="hint" id={helpId}>
        Press Enter to add a tag{available.length ? "; your existing tags are suggested as you type" : ""}.
      </p>
      <p className="visually-hidden" aria-live="polite">
        {note}
      </p>
    </div>
  );
}
