import { describe, expect, it } from "vitest";
import { DEFAULT_FILTERS, filtersToQuery, filtersToSearchParams, isFiltered, parseFilters } from "@/lib/filters";

describe("filters in the URL", () => {
  it("round-trips every filter", () => {
    const query =
      "completed=false&priority=high&tag=work&tag=home+office&search=report&due_after=2025-06-01&due_before=2025-06-30&overdue=true&sort=due_date&page=3&page_size=50";
    const filters = parseFilters(new URLSearchParams(query));
    expect(filters).toEqual({
      status: "open",
      priority: "high",
      tags: ["work", "home office"],
      search: "report",
      dueAfter: "2025-06-01",
      dueBefore: "2025-06-30",
      overdue: true,
      sort: "due_date",
      page: 3,
      pageSize: 50,
    });
    expect(filtersToSearchParams(filters).toString()).toBe(query);
  });

  it("leaves defaults out and ignores what is malformed", () => {
    expect(filtersToSearchParams(DEFAULT_FILTERS).toString()).toBe("");
    expect(parseFilters(new URLSearchParams("completed=maybe&priority=urgent&sort=drop&page=-1&page_size=1000&due_before=tomorrow&tag=&tag=a&tag=a"))).toEqual({
      ...DEFAULT_FILTERS,
      tags: ["a"],
    });
    expect(isFiltered(DEFAULT_FILTERS)).toBe(false);
    expect(isFiltered({ ...DEFAULT_FILTERS, overdue: true })).toBe(true);
  });
});

describe("filtersToQuery", () => {
  it("maps to the API's parameters, day boundaries in the user's zone", () => {
    const filters = parseFilters(new URLSearchParams("completed=true&tag=a&tag=b&due_after=2025-06-01&due_before=2025-06-30&search=x"));
    expect(filtersToQuery(filters, "Europe/Paris")).toEqual({
      sort: "-created_at",
      page: 1,
      page_size: 20,
      completed: true,
      tag: ["a", "b"],
      search: "x",
      // due after 1 June: from 2 June 00:00 Paris on; before 30 June: before 30 June 00:00 Paris
      due_after: "2025-06-01T21:59:59.999Z",
      due_before: "2025-06-29T22:00:00.000Z",
    });
  });
});
