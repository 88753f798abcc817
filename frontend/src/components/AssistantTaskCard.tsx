"use client";
import Link from "next/link";
import { type ReactNode, useId } from "react";
import type { ActionKind, Task } from "@/api/types";
import { ACTION_LABELS } from "@/lib/assistant";
import { TaskMeta } from "./TaskItem";

/**
 * A task in the assistant's chat, as the reply showed it: what the assistant did to it (a badge), its title (a link
 * to its page, except for a deleted task), number, priority, due date in the user's zone and tags. A question's
 * choices are cards without an action and with a button (`children`).
 */
export function AssistantTaskCard({
  task,
  action,
  timeZone,
  children,
}: {
  task: Task;
  action?: ActionKind;
  timeZone: string;
  children?: ReactNode;
}) {
  const titleId = useId();
  return (
    <article className={`task-card${task.completed ? " task-done" : ""}`} aria-labelledby={titleId}>
      <div className="task-card-head">
        {action ? <span className={`badge badge-action badge-action-${action}`}>{ACTION_LABELS[action]}</span> : null}
        {action === "deleted" ? (
          <span id={titleId} className="task-title">
            {task.title}
          </span>
        ) : (
          <Link id={titleId} href={`/tasks/${task.id}`} className="task-title">
            {task.title}
          </Link>
        )}
        <span className="muted">#{task.id}</span>
      </div>
      <TaskMeta task={task} timeZone={timeZone} />
      {children}
    </article>
  );
}
