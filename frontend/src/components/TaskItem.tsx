"use client";
import Link from "next/link";
import type { Task } from "@/api/types";
import { formatDateTime } from "@/lib/datetime";

export function isOverdue(task: Pick<Task, "completed" | "due_date">, now = Date.now()): boolean {
  return !task.completed && task.due_date !== null && new Date(task.due_date).getTime() < now;
}

/** Whether a reminder of the task is still to be sent (one before a due date the task lacks never is). */
export function hasPendingReminder(task: Pick<Task, "reminders">): boolean {
  return task.reminders.some((reminder) => reminder.pending && reminder.at !== null);
}

export function PriorityBadge({ priority }: { priority: Task["priority"] }) {
  return <span className={`badge badge-${priority}`}>{priority[0]!.toUpperCase() + priority.slice(1)} priority</span>;
}

/** What matters about a task at a glance: priority, due date (in `timeZone`), repeats, skipped, reminders, tags. */
export function TaskMeta({ task, timeZone }: { task: Task; timeZone: string }) {
  const overdue = isOverdue(task);
  return (
    <div className="task-meta">
      <PriorityBadge priority={task.priority} />
      {task.due_date ? (
        <span className={overdue ? "due overdue" : "due"}>
          {overdue ? "Overdue: " : "Due "}
          <time dateTime={task.due_date}>{formatDateTime(task.due_date, { timeZone })}</time>
        </span>
      ) : null}
      {task.recurring_pattern || task.parent_task_id !== null ? <span className="badge">Repeats</span> : null}
      {task.skipped ? <span className="badge">Skipped</span> : null}
      {hasPendingReminder(task) ? <span className="badge">Reminder set</span> : null}
      {task.tags.length ? (
        <ul className="tags" aria-label="Tags">
          {task.tags.map((tag) => (
            <li key={tag} className="tag">
              {tag}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** One task in a list: a completion checkbox, its title (a link), due date, priority and tags. */
export function TaskItem({
  task,
  timeZone,
  busy,
  onToggle,
}: {
  task: Task;
  timeZone: string;
  busy: boolean;
  onToggle: (task: Task) => void;
}) {
  const checkboxId = `task-${task.id}-done`;
  return (
    <li className={`task${task.completed ? " task-done" : ""}`}>
      <input
        id={checkboxId}
        type="checkbox"
        className="task-check"
        checked={task.completed}
        disabled={busy}
        onChange={() => onToggle(task)}
        aria-label={`${task.completed ? "Reopen" : "Complete"} “${task.title}”`}
      />
      <div className="task-body">
        <Link href={`/tasks/${task.id}`} className="task-title">
          {task.title}
        </Link>
        <TaskMeta task={task} timeZone={timeZone} />
      </div>
    </li>
  );
}
