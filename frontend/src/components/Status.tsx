"use client";
import type { ReactNode } from "react";
import type { ProblemInfo } from "@/api/errors";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="status status-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function ErrorMessage({ problem, onRetry, children }: { problem: ProblemInfo | string; onRetry?: () => void; children?: ReactNode }) {
  const message = typeof problem === "string" ? problem : problem.message;
  return (
    <div className="status status-error" role="alert">
      <p>{message}</p>
      {children}
      {onRetry ? (
        <button type="button" className="button" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="status status-empty">{children}</div>;
}

/** The messages the API gave for one field, announced and linked to the field by `id`. */
export function FieldErrors({ id, messages }: { id: string; messages: readonly string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <ul className="field-errors" id={id}>
      {messages.map((message, index) => (
        <li key={index}>{message}</li>
      ))}
    </ul>
  );
}
