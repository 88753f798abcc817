"use client";
import { useEffect, useState } from "react";
import type { ApiClient } from "@/api/client";
import type { Task } from "@/api/types";

/** Pages of the list read for suggestions (100 recently updated tasks each). */
const PAGES = 2;

export function collectTags(tasks: readonly Pick<Task, "tags">[]): string[] {
  // Tags match exactly (case included) in the API's filter, so they are kept as they are.
  const seen = new Set<string>();
  for (const task of tasks) for (const tag of task.tags) seen.add(tag);
  return [...seen].sort((a, b) => a.localeCompare(b));
}

/** The user's existing tags, collected from the list endpoint (the API has no tags endpoint). */
export function useKnownTags(api: ApiClient, userId: string): string[] {
  const [tags, setTags] = useState<string[]>([]);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const tasks: Task[] = [];
      for (let page = 1; page <= PAGES; page += 1) {
        const { data } = await api.GET("/api/{user_id}/tasks", {
          params: { path: { user_id: userId }, query: { page, page_size: 100, sort: "-updated_at" } },
        });
        if (!data) break;
        tasks.push(...data.results);
        if (!data.next) break;
      }
      if (!cancelled) setTags(collectTags(tasks));
    })().catch(() => undefined); // suggestions are optional
    return () => {
      cancelled = true;
    };
  }, [api, userId]);
  return tags;
}
