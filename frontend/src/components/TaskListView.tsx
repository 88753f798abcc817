"use client";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import type { Task, TaskPage } from "@/api/types";
import { useSignedIn } from "@/auth/AuthProvider";
import { type Filters, filtersToQuery, filtersToSearchParams, isFiltered, parseFilters } from "@/lib/filters";
import { useKnownTags } from "@/lib/useKnownTags";
import { useLiveReload } from "@/lib/useLiveUpdates";
import { useRefreshOnFocus } from "@/lib/useRefreshOnFocus";
import { useToggleComplete } from "@/lib/useTaskActions";
import { Empty, ErrorMessage, Loading } from "./Status";
import { TaskFilters } from "./TaskFilters";
import { TaskItem } from "./TaskItem";

type Outcome = { kind: "ready"; page: TaskPage } | { kind: "past-last" } | { kind: "error"; problem: ProblemInfo };
type State = { kind: "loading" } | Outcome;

export function TaskListView() {
  const { api, user, timeZone, profile } = useSignedIn();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const queryString = searchParams.toString();
  const filters = useMemo(() => parseFilters(new URLSearchParams(queryString)), [queryString]);
  // The last answer and the query it answers: another query shows "loading" until its own answer arrives, while a
  // refresh of the same query (window focus, a completed task) keeps showing the list.
  const [answer, setAnswer] = useState<{ key: string; outcome: Outcome } | null>(null);
  const [version, setVersion] = useState(0);
  const [busyIds, setBusyIds] = useState<ReadonlySet<number>>(new Set());
  const [notice, setNotice] = useState("");
  const [actionProblem, setActionProblem] = useState<ProblemInfo | null>(null);
  const tagSuggestions = useKnownTags(api, user.id);
  const toggleComplete = useToggleComplete(api, user.id);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  useRefreshOnFocus(reload);
  // A task changed elsewhere (another tab, the API, a worker) or changes were missed: this page again, once a burst.
  useLiveReload(reload);

  const setFilters = (next: Filters) => {
    const query = filtersToSearchParams(next).toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };

  // Wait for the profile (its zone decides the day boundaries of the due filters) unless none are set.
  const needsZone = Boolean(filters.dueAfter || filters.dueBefore);
  const zoneReady = !needsZone || profile !== null;
  const key = `${user.id}|${timeZone}|${queryString}`;
  const state: State = answer && answer.key === key ? answer.outcome : { kind: "loading" };
  useEffect(() => {
    if (!zoneReady) return;
    let cancelled = false;
    const setState = (outcome: Outcome) => setAnswer({ key, outcome });
    api
      .GET("/api/{user_id}/tasks", { params: { path: { user_id: user.id }, query: filtersToQuery(filters, timeZone) } })
      .then(({ data, error, response }) => {
        if (cancelled) return;
        if (data) setState({ kind: "ready", page: data });
        else if (response.status === 404 && filters.page > 1) setState({ kind: "past-last" });
        else setState({ kind: "error", problem: problemOf(error, response.status) });
      })
      .catch((error: unknown) => !cancelled && setState({ kind: "error", problem: networkProblem(error) }));
    return () => {
      cancelled = true;
    };
  }, [api, user.id, filters, timeZone, zoneReady, version, key]);

  async function onToggle(task: Task) {
    setBusyIds((ids) => new Set(ids).add(task.id));
    setActionProblem(null);
    const result = await toggleComplete(task);
    setBusyIds((ids) => {
      const next = new Set(ids);
      next.delete(task.id);
      return next;
    });
    if (result.problem) {
      setActionProblem(result.problem);
      return;
    }
    setNotice(`“${result.task.title}” ${result.task.completed ? "completed" : "reopened"}.`);
    reload(); // it may leave the filtered list, and a completed recurring task gets its next occurrence
  }

  const page = state.kind === "ready" ? state.page : null;
  const pages = page ? Math.max(1, Math.ceil(page.count / filters.pageSize)) : 1;
  return (
    <section>
      <div className="title-row">
        <h1>Tasks</h1>
        <Link className="button button-primary" href="/tasks/new">
          New task
        </Link>
      </div>
      <TaskFilters filters={filters} onChange={setFilters} tagSuggestions={tagSuggestions} timeZone={timeZone} />
      <p className="visually-hidden" aria-live="polite">
        {notice}
      </p>
      {actionProblem ? <ErrorMessage problem={actionProblem} /> : null}
      <div aria-live="polite" aria-busy={state.kind === "loading"}>
        {state.kind === "loading" ? <Loading label="Loading tasks…" /> : null}
        {state.kind === "error" ? <ErrorMessage problem={state.problem} onRetry={reload} /> : null}
        {state.kind === "past-last" ? (
          <Empty>
            <p>There is no page {filters.page}.</p>
            <button type="button" className="button" onClick={() => setFilters({ ...filters, page: 1 })}>
              Go to the first page
            </button>
          </Empty>
        ) : null}
        {page && page.results.length === 0 ? (
          <Empty>
            {isFiltered(filters) ? (
              <p>No tasks match these filters.</p>
            ) : (
              <p>
                No tasks yet. <Link href="/tasks/new">Create your first task</Link>.
              </p>
            )}
          </Empty>
        ) : null}
        {page && page.results.length > 0 ? (
          <>
            <p className="count">
              {page.count} {page.count === 1 ? "task" : "tasks"}
              {pages > 1 ? ` · page ${filters.page} of ${pages}` : ""}
            </p>
            <ul className="task-list">
              {page.results.map((task) => (
                <TaskItem key={task.id} task={task} timeZone={timeZone} busy={busyIds.has(task.id)} onToggle={onToggle} />
              ))}
            </ul>
          </>
        ) : null}
      </div>
      {page && (page.previous || page.next) ? (
        <nav className="pagination" aria-label="Pages">
          <button type="button" className="button" disabled={!page.previous} onClick={() => setFilters({ ...filters, page: filters.page - 1 })}>
            Previous page
          </button>
          <span>
            Page {filters.page} of {pages}
          </span>
          <button type="button" className="button" disabled={!page.next} onClick={() => setFilters({ ...filters, page: filters.page + 1 })}>
            Next page
          </button>
        </nav>
      ) : null}
    </section>
  );
}
