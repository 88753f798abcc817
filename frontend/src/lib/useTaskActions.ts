"use client";
import { useCallback } from "react";
import type { ApiClient } from "@/api/client";
import { networkProblem, type ProblemInfo, problemOf } from "@/api/errors";
import type { Task } from "@/api/types";

export type ActionResult = { task: Task; problem: null } | { task: null; problem: ProblemInfo };

/** Complete/reopen a task. */
export function useToggleComplete(api: ApiClient, userId: string) {
  return useCallback(
    async (task: Pick<Task, "id" | "completed">): Promise<ActionResult> => {
      try {
        const { data, error, response } = await api.PATCH("/api/{user_id}/tasks/{task_id}/complete", {
          params: { path: { user_id: userId, task_id: task.id } },
          body: { completed: !task.completed },
        });
        return data ? { task: data, problem: null } : { task: null, problem: problemOf(error, response.status) };
      } catch (error) {
        return { task: null, problem: networkProblem(error) };
      }
    },
    [api, userId],
  );
}
