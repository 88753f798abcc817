/**
 * The task list's filters <-> the page's URL (bookmarkable) <-> the API's query.
 * URL parameters: completed=true|false, priority, tag (repeatable), search, due_before, due_after (YYYY-MM-DD in the
 * user's zone), overdue=true, sort, page, page_size. Defaults are left out of the URL.
 */
import type { Priority, TaskListQuery, TaskSort } from "@/api/types";
import { localToInstant } from "./datetime";

export type Status = "all" | "open" | "done";

export interface Filters {
  status: Status;
  priority: Priority | null;
  tags: string[];
  search: string;
  /** Due before this day (YYYY-MM-DD, the user's zone): strictly before it starts. */
  dueBefore: string | null;
  /** Due after this day: from the start of the next day on. */
  dueAfter: string | null;
  overdue: boolean;
  sort: TaskSort;
  page: number;
  pageSize: number;
}

export const SORTS: readonly { value: TaskSort; label: string }[] = [
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "due_date", label: "Due date (soonest first)" },
  { value: "-due_date", label: "Due date (latest first)" },
  { value: "-priority", label: "Priority (high first)" },
  { value: "priority", label: "Priority (low first)" },
  { value: "title", label: "Title (A-Z)" },
  { value: "-title", label: "Title (Z-A)" },
  { value: "-updated_at", label: "Recently updated" },
  { value: "updated_at", label: "Least recently updated" },
];

export const PAGE_SIZES = [10, 20, 50, 100] as const;
export const DEFAULT_FILTERS: Filters = {
  status: "all",
  priority: null,
  tags: [],
  search: "",
  dueBefore: null,
  dueAfter: null,
  overdue: false,
  sort: "-created_at",
  page: 1,
  pageSize: 20,
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The instant (ms) a local day starts in `timeZone` (a skipped midnight moves forward); null for a bad date. */
function startOfDay(date: string, timeZone: string): number | null {
  try {
    return Date.parse(localToInstant(date, "00:00", timeZone));
  } catch {
    return null;
  }
}

/** YYYY-MM-DD of the day after `date`. */
function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}
const PRIORITY_VALUES: readonly string[] = ["low", "medium", "high"];

function positiveInt(value: string | null, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!value || !/^\d+$/.test(value)) return fallback;
  const number = Number(value);
  return number >= 1 && number <= max ? number : fallback;
}

/** Reads filters from a URL's query; whatever is malformed takes its default. */
export function parseFilters(params: URLSearchParams): Filters {
  const completed = params.get("completed");
  const priority = params.get("priority");
  const sort = params.get("sort");
  const dueBefore = params.get("due_before");
  const dueAfter = params.get("due_after");
  const tags = [...new Set(params.getAll("tag").map((tag) => tag.trim()).filter(Boolean))];
  return {
    status: completed === "true" ? "done" : completed === "false" ? "open" : "all",
    priority: priority && PRIORITY_VALUES.includes(priority) ? (priority as Priority) : null,
    tags,
    search: (params.get("search") ?? "").slice(0, 200),
    dueBefore: dueBefore && DATE.test(dueBefore) ? dueBefore : null,
    dueAfter: dueAfter && DATE.test(dueAfter) ? dueAfter : null,
    overdue: params.get("overdue") === "true",
    sort: SORTS.find((option) => option.value === sort)?.value ?? DEFAULT_FILTERS.sort,
    page: positiveInt(params.get("page"), 1),
    pageSize: positiveInt(params.get("page_size"), DEFAULT_FILTERS.pageSize, 100),
  };
}

/** The URL query of filters (defaults omitted, stable order). */
export function filtersToSearchParams(filters: Filters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.status !== "all") params.set("completed", filters.status === "done" ? "true" : "false");
  if (filters.priority) params.set("priority", filters.priority);
  for (const tag of filters.tags) params.append("tag", tag);
  if (filters.search) params.set("search", filters.search);
  if (filters.dueAfter) params.set("due_after", filters.dueAfter);
  if (filters.dueBefore) params.set("due_before", filters.dueBefore);
  if (filters.overdue) params.set("overdue", "true");
  if (filters.sort !== DEFAULT_FILTERS.sort) params.set("sort", filters.sort);
  if (filters.page !== 1) params.set("page", String(filters.page));
  if (filters.pageSize !== DEFAULT_FILTERS.pageSize) params.set("page_size", String(filters.pageSize));
  return params;
}

/** The API's list query for filters; day boundaries are taken in `timeZone` (the user's profile zone). */
export function filtersToQuery(filters: Filters, timeZone: string): TaskListQuery {
  const query: TaskListQuery = { sort: filters.sort, page: filters.page, page_size: filters.pageSize };
  if (filters.status !== "all") query.completed = filters.status === "done";
  if (filters.priority) query.priority = filters.priority;
  if (filters.tags.length) query.tag = filters.tags;
  if (filters.search) query.search = filters.search;
  if (filters.overdue) query.overdue = true;
  if (filters.dueBefore) {
    const before = startOfDay(filters.dueBefore, timeZone);
    if (before !== null) query.due_before = new Date(before).toISOString();
  }
  if (filters.dueAfter) {
    const next = startOfDay(nextDay(filters.dueAfter), timeZone);
    if (next !== null) query.due_after = new Date(next - 1).toISOString();
  }
  return query;
}

/** Whether any filter narrows the list (for the empty state's wording). */
export function isFiltered(filters: Filters): boolean {
  return (
    filters.status !== "all" ||
    filters.priority !== null ||
    filters.tags.length > 0 ||
    filters.search !== "" ||
    filters.dueBefore !== null ||
    filters.dueAfter !== null ||
    filters.overdue
  );
}
