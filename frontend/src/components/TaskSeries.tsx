"use client";
import Link from "next/link";
import { useEffect, useState } from "react";
import type { ApiClient } from "@/api/client";
import { networkProblem } from "@/api/errors";
import type { Task } from "@/api/types";
import { loadSeries, outcomeOf, type SeriesResult, seriesRootId } from "@/lib/series";
import { formatDateTime } from "@/lib/datetime";
import { ErrorMessage, Loading } from "./Status";

/** The series a recurring task belongs to: its root and every occurrence by due date, done, skipped or open. */
export function TaskSeries({ api, userId, task, timeZone, version }: { api: ApiClient; userId: string; task: Task; timeZone: string; version: number }) {
  const rootId = seriesRootId(task);
  const taskId = task.id;
  const [loaded, setLoaded] = useState<{ taskId: number; result: SeriesResult } | null>(null);
  const result = loaded?.taskId === taskId ? loaded.result : null;
  useEffect(() => {
    let cancelled = false;
    const setResult = (result: SeriesResult) => setLoaded({ taskId, result });
    loadSeries(api, userId, taskId)
      .then((loaded) => !cancelled && setResult(loaded))
      .catch((error: unknown) => !cancelled && setResult({ tasks: [], truncated: false, problem: networkProblem(error) }));
    return () => {
      cancelled = true;
    };
  }, [api, userId, taskId, version]);

  return (
    <section className="card" aria-labelledby="series-heading">
      <h2 id="series-heading">Series</h2>
      {!result ? <Loading label="Loading the series…" /> : null}
      {result?.problem ? <ErrorMessage problem={result.problem} /> : null}
      {result && !result.problem ? (
        result.tasks.length ? (
          <ol className="series">
            {result.tasks.map((member) => (
              <li key={member.id}>
                {member.id === task.id ? (
                  <strong aria-current="true">{member.title} (this task)</strong>
                ) : (
                  <Link href={`/tasks/${member.id}`}>{member.title}</Link>
                )}{" "}
                <span className="muted">
                  {member.id === rootId ? "first · " : ""}
                  {member.due_date ? <time dateTime={member.due_date}>{formatDateTime(member.due_date, { timeZone })}</time> : "no due date"}
                  {" · "}
                  <span className={`outcome outcome-${outcomeOf(member)}`}>{outcomeOf(member)}</span>
                  {member.completed_at ? (
                    <>
                      {" "}
                      <time dateTime={member.completed_at}>{formatDateTime(member.completed_at, { timeZone })}</time>
                    </>
                  ) : null}
                </span>
              </li>
            ))}
          </ol>
        ) : (
          <p>The other tasks of this series were deleted.</p>
        )
      ) : null}
      {result?.truncated ? <p className="hint">Only the first 1,000 tasks of this series are shown.</p> : null}
    </section>
  );
}
