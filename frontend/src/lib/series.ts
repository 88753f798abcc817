/**
 * A recurring task's series: its root (the first task) and the occurrences made from it, which share
 * `parent_task_id` = the root's id. `GET /api/{user_id}/tasks/{id}/series` lists them by due date, done,
 * skipped and open; it is read page by page (at most `maxPages` pages of 100).
 */
import type { ApiClient } from "@/api/client";
import { type ProblemInfo, problemOf } from "@/api/errors";
import type { Task } from "@/api/types";

export function seriesRootId(task: Pick<Task, "id" | "parent_task_id">): number {
  return task.parent_task_id ?? task.id;
}

export function isInSeries(task: Pick<Task, "recurring_pattern" | "parent_task_id">): boolean {
  return task.recurring_pattern !== null || task.parent_task_id !== null;
}

/** How an occurrence of a series ended, or that it has not. */
export function outcomeOf(task: Pick<Task, "completed" | "skipped">): "done" | "skipped" | "open" {
  return task.skipped ? "skipped" : task.completed ? "done" : "open";
}

export interface SeriesResult {
  tasks: Task[];
  /** Whether some tasks were not read (more than maxPages pages). */
  truncated: boolean;
  problem: ProblemInfo | null;
}

export async function loadSeries(api: ApiClient, userId: string, taskId: number, maxPages = 10): Promise<SeriesResult> {
  const all: Task[] = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const { data, error, response } = await api.GET("/api/{user_id}/tasks/{task_id}/series", {
      params: { path: { user_id: userId, task_id: taskId }, query: { page, page_size: 100 } },
    });
    if (!data) return { tasks: all, truncated: false, problem: problemOf(error, response.status) };
    all.push(...data.results);
    if (!data.next) return { tasks: all, truncated: false, problem: null };
  }
  return { tasks: all, truncated: true, problem: null };
}
