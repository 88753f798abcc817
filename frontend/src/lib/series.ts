/**
 * A recurring task's series: its root (the first task) and the occurrences made from it, which share
 * `parent_task_id` = the root's id. The API has no series endpoint, so the list endpoint is read page by page
 * and filtered here (at most `maxPages` pages of 100).
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

export function seriesMembers(tasks: readonly Task[], rootId: number): Task[] {
  const members = tasks.filter((task) => task.id === rootId || task.parent_task_id === rootId);
  return members.sort((a, b) => {
    const due = (a.due_date ?? "").localeCompare(b.due_date ?? "");
    return due !== 0 ? due : a.id - b.id;
  });
}

export interface SeriesResult {
  tasks: Task[];
  /** Whether some tasks were not looked at (more than maxPages pages). */
  truncated: boolean;
  problem: ProblemInfo | null;
}

export async function loadSeries(api: ApiClient, userId: string, rootId: number, maxPages = 10): Promise<SeriesResult> {
  const all: Task[] = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const { data, error, response } = await api.GET("/api/{user_id}/tasks", {
      params: { path: { user_id: userId }, query: { page, page_size: 100, sort: "due_date" } },
    });
    if (!data) return { tasks: seriesMembers(all, rootId), truncated: false, problem: problemOf(error, response.status) };
    all.push(...data.results);
    if (!data.next) return { tasks: seriesMembers(all, rootId), truncated: false, problem: null };
  }
  return { tasks: seriesMembers(all, rootId), truncated: true, problem: null };
}
