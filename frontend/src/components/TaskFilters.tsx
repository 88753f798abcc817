"use client";
import { type FormEvent, useId, useState } from "react";
import { PRIORITIES, type Priority, type TaskSort } from "@/api/types";
import { DEFAULT_FILTERS, type Filters, PAGE_SIZES, SORTS, type Status } from "@/lib/filters";
import { TagInput } from "./TagInput";

/** The list's filters; every change goes to the URL (`onChange`), the search when submitted. */
export function TaskFilters({
  filters,
  onChange,
  tagSuggestions,
  timeZone,
}: {
  filters: Filters;
  onChange: (filters: Filters) => void;
  tagSuggestions: readonly string[];
  timeZone: string;
}) {
  const id = useId();
  const [search, setSearch] = useState(filters.search);
  // The URL's search (back/forward, a bookmark) replaces what was typed.
  const [urlSearch, setUrlSearch] = useState(filters.search);
  if (urlSearch !== filters.search) {
    setUrlSearch(filters.search);
    setSearch(filters.search);
  }
  // Any filter change starts again on the first page.
  const update = (patch: Partial<Filters>) => onChange({ ...filters, page: 1, ...patch });

  function submitSearch(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update({ search: search.trim() });
  }

  return (
    <section className="filters" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`} className="visually-hidden">
        Filters
      </h2>
      <form role="search" className="search" onSubmit={submitSearch}>
        <label htmlFor={`${id}-search`}>Search</label>
        <div className="inline">
          <input id={`${id}-search`} type="search" maxLength={200} value={search} onChange={(event) => setSearch(event.target.value)} />
          <button type="submit" className="button">
            Search
          </button>
        </div>
      </form>
      <div className="filter-grid">
        <div className="field">
          <label htmlFor={`${id}-status`}>Status</label>
          <select id={`${id}-status`} value={filters.status} onChange={(event) => update({ status: event.target.value as Status })}>
            <option value="all">All</option>
            <option value="open">Open</option>
            <option value="done">Completed</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-priority`}>Priority</label>
          <select
            id={`${id}-priority`}
            value={filters.priority ?? ""}
            onChange={(event) => update({ priority: (event.target.value || null) as Priority | null })}
          >
            <option value="">Any</option>
            {PRIORITIES.map((priority) => (
              <option key={priority} value={priority}>
                {priority[0]!.toUpperCase() + priority.slice(1)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-due-after`}>Due after</label>
          <input id={`${id}-due-after`} type="date" value={filters.dueAfter ?? ""} onChange={(event) => update({ dueAfter: event.target.value || null })} aria-describedby={`${id}-zone`} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-due-before`}>Due before</label>
          <input id={`${id}-due-before`} type="date" value={filters.dueBefore ?? ""} onChange={(event) => update({ dueBefore: event.target.value || null })} aria-describedby={`${id}-zone`} />
        </div>
        <div className="field field-check">
          <input id={`${id}-overdue`} type="checkbox" checked={filters.overdue} onChange={(event) => update({ overdue: event.target.checked })} />
          <label htmlFor={`${id}-overdue`}>Overdue only</label>
        </div>
        <div className="field">
          <label htmlFor={`${id}-sort`}>Sort by</label>
          <select id={`${id}-sort`} value={filters.sort} onChange={(event) => update({ sort: event.target.value as TaskSort })}>
            {SORTS.map((sort) => (
              <option key={sort.value} value={sort.value}>
                {sort.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-page-size`}>Per page</label>
          <select id={`${id}-page-size`} value={filters.pageSize} onChange={(event) => update({ pageSize: Number(event.target.value) })}>
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </div>
      </div>
      <TagInput label="Tags (tasks with all of them)" tags={filters.tags} onChange={(tags) => update({ tags })} suggestions={tagSuggestions} />
      <p className="hint" id={`${id}-zone`}>
        Days are in {timeZone}.
      </p>
      <button
        type="button"
        className="button button-quiet"
        onClick={() => {
          setSearch("");
          onChange({ ...DEFAULT_FILTERS, sort: filters.sort, pageSize: filters.pageSize });
        }}
      >
        Clear filters
      </button>
    </section>
  );
}
