"use client";
import { useCallback, useEffect, useState } from "react";
import type { ApiClient } from "@/api/client";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import type { Task } from "@/api/types";
import type { TaskChange } from "./liveUpdates";

export type TaskState = { kind: "loading" } | { kind: "ready"; task: Task } | { kind: "error"; problem: ProblemInfo };

/** Parses a task id from the URL: a positive integer, else null. */
export function parseTaskId(raw: string | string[] | undefined): number | null {
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value || !/^\d{1,15}$/.test(value)) return null;
  const id = Number(value);
  return id >= 1 ? id : null;
}

/**
 * What a live change of the shown task makes of it: the task as changed, "deleted" (a change without a task: it no
 * longer exists), or null to keep what is shown (the change is older than it, e.g. this tab's own later edit).
 */
export function changedTask(shown: Task | null, change: TaskChange): Task | "deleted" | null {
  if (change.task === null) return "deleted";
  if (shown && Date.parse(change.task.updated_at) < Date.parse(shown.updated_at)) return null;
  return change.task;
}

export function useTask(api: ApiClient, userId: string, taskId: number) {
  const [state, setState] = useState<TaskState>({ kind: "loading" });
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  useEffect(() => {
    let cancelled = false;
    api
      .GET("/api/{user_id}/tasks/{task_id}", { params: { path: { user_id: userId, task_id: taskId } } })
      .then(({ data, error, response }) => {
        if (cancelled) return;
        setState(data ? { kind: "ready", task: data } : { kind: "error", problem: problemOf(error, response.status) });
      })
      .catch((error: unknown) => !cancelled && setState({ kind: "error", problem: networkProblem(error) }));
    return () => {
      cancelled = true;
    };
  }, [api, userId, taskId, version]);
  return { state, setTask: (task: Task) => setState({ kind: "ready", task }), reload };
}
