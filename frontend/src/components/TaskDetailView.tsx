"use client";
import Link from "next/link";
import { useParams, useRouter } from "next/navigation";
import { useCallback, useState } from "react";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import { useSignedIn } from "@/auth/AuthProvider";
import { formatDateTime } from "@/lib/datetime";
import { ruleText } from "@/lib/recurrenceForm";
import { listedOffset, reminderOffsetLabel } from "@/lib/reminder";
import { isInSeries, seriesRootId } from "@/lib/series";
import { useLiveReload, useLiveUpdates } from "@/lib/useLiveUpdates";
import { changedTask, parseTaskId, useTask } from "@/lib/useTask";
import { useRefreshOnFocus } from "@/lib/useRefreshOnFocus";
import { useToggleComplete } from "@/lib/useTaskActions";
import { ConfirmDialog } from "./ConfirmDialog";
import { ErrorMessage, Loading } from "./Status";
import { isOverdue, PriorityBadge } from "./TaskItem";
import { TaskSeries } from "./TaskSeries";

export function TaskDetailView() {
  const taskId = parseTaskId(useParams<{ id: string }>().id);
  if (taskId === null) {
    return (
      <section>
        <h1>Task not found</h1>
        <p>
          That is not a task address. <Link href="/tasks">Back to your tasks</Link>
        </p>
      </section>
    );
  }
  return <TaskDetail taskId={taskId} />;
}

function TaskDetail({ taskId }: { taskId: number }) {
  const { api, user, timeZone: profileZone } = useSignedIn();
  const router = useRouter();
  const { state, setTask, reload } = useTask(api, user.id, taskId);
  const toggleComplete = useToggleComplete(api, user.id);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ProblemInfo | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState("");
  const [seriesVersion, setSeriesVersion] = useState(0);
  // The id, not a flag: the same view shows another task after a link to it (a series member).
  const [deletedId, setDeletedId] = useState<number | null>(null);
  const reloadSeries = useCallback(() => setSeriesVersion((v) => v + 1), []);
  const refresh = useCallback(() => {
    reload();
    reloadSeries();
  }, [reload, reloadSeries]);
  useRefreshOnFocus(refresh);
  // Live: a change of this task is shown as it comes (its deletion too); missed changes reload the page.
  const shown = state.kind === "ready" ? state.task : null;
  useLiveUpdates((message) => {
    if (message.type === "resync") return refresh();
    if (message.task_id !== taskId) return;
    const next = changedTask(shown, message);
    if (next === "deleted") setDeletedId(taskId);
    else if (next) setTask(next);
  });
  // A change in its series (a next occurrence made by the worker, a sibling edited or deleted): the series again.
  useLiveReload(
    reloadSeries,
    (message) =>
      message.type !== "resync" &&
      shown !== null &&
      isInSeries(shown) &&
      (message.task === null || message.task_id === taskId || seriesRootId(message.task) === seriesRootId(shown)),
  );

  if (deletedId === taskId) {
    return (
      <section>
        <h1>Task deleted</h1>
        <p>{shown ? `“${shown.title}” has been deleted.` : "This task has been deleted."}</p>
        <p>
          <Link href="/tasks">Back to your tasks</Link>
        </p>
      </section>
    );
  }
  if (state.kind === "loading") return <Loading label="Loading the task…" />;
  if (state.kind === "error") {
    return (
      <section>
        <h1>{state.problem.status === 404 ? "Task not found" : "The task could not be loaded"}</h1>
        <ErrorMessage problem={state.problem} onRetry={state.problem.status === 404 ? undefined : reload} />
        <p>
          <Link href="/tasks">Back to your tasks</Link>
        </p>
      </section>
    );
  }
  const task = state.task;
  const zone = task.timezone || profileZone;

  async function onToggle() {
    setBusy(true);
    setProblem(null);
    const result = await toggleComplete(task);
    setBusy(false);
    if (result.problem) return setProblem(result.problem);
    setTask(result.task);
    setNotice(result.task.completed ? "Task completed." : "Task reopened.");
    setSeriesVersion((v) => v + 1);
  }

  /** Skip this occurrence, or stop the series at this task; the answer replaces the task shown. */
  async function onSeriesAction(action: "skip" | "stop") {
    setBusy(true);
    setProblem(null);
    try {
      const path = { user_id: user.id, task_id: task.id };
      const { data, error, response } =
        action === "skip"
          ? await api.POST("/api/{user_id}/tasks/{task_id}/skip", { params: { path } })
          : await api.PATCH("/api/{user_id}/tasks/{task_id}", { params: { path }, body: { recurring_pattern: null } });
      if (data) {
        setTask(data);
        setNotice(action === "skip" ? "Occurrence skipped." : "The series stops with this task.");
        reloadSeries();
      } else setProblem(problemOf(error, response.status));
    } catch (error) {
      setProblem(networkProblem(error));
    }
    setBusy(false);
  }

  async function onDelete() {
    setBusy(true);
    setProblem(null);
    try {
      const { error, response } = await api.DELETE("/api/{user_id}/tasks/{task_id}", {
        params: { path: { user_id: user.id, task_id: task.id } },
      });
      if (response.ok || response.status === 404) {
        router.push("/tasks");
        return;
      }
      setProblem(problemOf(error, response.status));
    } catch (error) {
      setProblem(networkProblem(error));
    }
    setBusy(false);
    setConfirming(false);
  }

  return (
    <section>
      <p>
        <Link href="/tasks">← All tasks</Link>
      </p>
      <div className="title-row">
        <h1 className={task.completed ? "done-title" : undefined}>{task.title}</h1>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {notice}
      </p>
      {problem ? <ErrorMessage problem={problem} /> : null}
      <div className="actions">
        <button type="button" className="button button-primary" onClick={onToggle} disabled={busy}>
          {task.completed ? "Reopen" : "Complete"}
        </button>
        {task.recurring_pattern && !task.completed ? (
          <button type="button" className="button" onClick={() => onSeriesAction("skip")} disabled={busy}>
            Skip this one
          </button>
        ) : null}
        {task.recurring_pattern ? (
          <button type="button" className="button" onClick={() => onSeriesAction("stop")} disabled={busy}>
            Stop repeating
          </button>
        ) : null}
        <Link className="button" href={`/tasks/${task.id}/edit`}>
          Edit
        </Link>
        <button type="button" className="button button-danger" onClick={() => setConfirming(true)} disabled={busy}>
          Delete
        </button>
      </div>
      <dl className="details">
        <dt>Status</dt>
        <dd>
          {task.skipped ? "Skipped" : task.completed ? "Completed" : "Open"}
          {task.completed && task.completed_at ? (
            <>
              {" "}
              on <time dateTime={task.completed_at}>{formatDateTime(task.completed_at, { timeZone: zone })}</time>
            </>
          ) : null}
        </dd>
        <dt>Priority</dt>
        <dd>
          <PriorityBadge priority={task.priority} />
        </dd>
        <dt>Due</dt>
        <dd>
          {task.due_date ? (
            <span className={isOverdue(task) ? "overdue" : undefined}>
              <time dateTime={task.due_date}>{formatDateTime(task.due_date, { timeZone: zone })}</time> ({zone}){isOverdue(task) ? " · overdue" : ""}
            </span>
          ) : (
            "No due date"
          )}
        </dd>
        <dt>Reminders</dt>
        <dd>
          {task.reminders.length ? (
            <ul className="reminder-list">
              {task.reminders.map((reminder, index) => (
                <li key={index}>
                  {reminder.at ? (
                    <time dateTime={reminder.at}>{formatDateTime(reminder.at, { timeZone: zone })}</time>
                  ) : (
                    "No due date to count from"
                  )}
                  {reminder.before_due !== null ? ` (${reminderOffsetLabel(listedOffset(reminder.before_due))})` : ""}
                  {reminder.pending ? "" : " · sent"}
                </li>
              ))}
            </ul>
          ) : (
            "None"
          )}
        </dd>
        <dt>Repeats</dt>
        <dd>
          {task.recurring_pattern ? (
            <>
              {/* Counted from completions, a weekly rule's day is the completion's, not the due date's. */}
              {ruleText(task.recurring_pattern, zone, task.recurrence_anchor === "completion" ? null : task.due_date) ?? "Custom rule"}{" "}
              <code>{task.recurring_pattern}</code>
              {task.recurrence_anchor === "completion" ? ", counted from each completion" : ""}
            </>
          ) : (
            "No"
          )}
          {task.recurring_end_date ? (
            <>
              {" "}
              until <time dateTime={task.recurring_end_date}>{formatDateTime(task.recurring_end_date, { timeZone: zone })}</time>
            </>
          ) : null}
          {task.next_occurrence ? (
            <>
              {" "}
              · next occurrence <time dateTime={task.next_occurrence}>{formatDateTime(task.next_occurrence, { timeZone: zone })}</time>
            </>
          ) : null}
        </dd>
        <dt>Tags</dt>
        <dd>
          {task.tags.length ? (
            <ul className="tags">
              {task.tags.map((tag) => (
                <li key={tag} className="tag">
                  <Link href={`/tasks?tag=${encodeURIComponent(tag)}`}>{tag}</Link>
                </li>
              ))}
            </ul>
          ) : (
            "None"
          )}
        </dd>
        <dt>Description</dt>
        <dd className="description">{task.description || "None"}</dd>
        <dt>Created</dt>
        <dd>
          <time dateTime={task.created_at}>{formatDateTime(task.created_at, { timeZone: zone })}</time>
        </dd>
      </dl>
      {isInSeries(task) ? <TaskSeries api={api} userId={user.id} task={task} timeZone={zone} version={seriesVersion} /> : null}
      <ConfirmDialog
        open={confirming}
        title="Delete this task?"
        confirmLabel="Delete task"
        busy={busy}
        onConfirm={onDelete}
        onCancel={() => setConfirming(false)}
      >
        <p>
          “{task.title}” will be deleted for good{isInSeries(task) ? "; the other tasks of its series stay" : ""}.
        </p>
      </ConfirmDialog>
    </section>
  );
}
