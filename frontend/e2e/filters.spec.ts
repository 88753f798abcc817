// The list's filters, search and sort: each changes the list and the URL, and the URL (a bookmark) restores them.
import { expect, type Page, test } from "@playwright/test";
import { apiAs, newPerson, signUp } from "./helpers";

const TASKS = [
  { title: "Alpha report", priority: "high", tags: ["work"], due_date: "2031-01-10T09:00:00Z" },
  { title: "Beta groceries", priority: "low", tags: ["home"], due_date: "2031-01-20T09:00:00Z" },
  { title: "Gamma plan", priority: "medium", tags: ["work", "q1"], due_date: "2031-01-05T09:00:00Z" },
  { title: "Delta call", priority: "high", tags: ["home"], due_date: null },
] as const;

/** The titles of the listed tasks, in order. */
function titles(page: Page) {
  return page.locator(".task-list").getByRole("link");
}

test("filters, search and sort change the list and the URL; a bookmarked URL restores them", async ({ page }) => {
  await signUp(page, newPerson("Filterer"));
  // The tasks themselves: created through the API as the signed-in person (the form is covered elsewhere).
  for (const task of TASKS) await apiAs(page, "POST", "tasks", task);
  const done = await apiAs<{ id: number }>(page, "POST", "tasks", { title: "Epsilon done", priority: "low", tags: ["home"] });
  await apiAs(page, "PATCH", `tasks/${done.id}/complete`, { completed: true });
  await page.reload();
  await expect(page.getByText("5 tasks")).toBeVisible();

  // Priority.
  await page.getByLabel("Priority").selectOption("high");
  await expect(page).toHaveURL(/[?&]priority=high/);
  await expect(titles(page)).toHaveText(["Delta call", "Alpha report"]);

  // Sort (the list keeps the priority filter).
  await page.getByLabel("Sort by").selectOption({ label: "Title (A-Z)" });
  await expect(page).toHaveURL(/[?&]sort=title(&|$)/);
  await expect(titles(page)).toHaveText(["Alpha report", "Delta call"]);

  // A tag, typed into the tag filter.
  const tagFilter = page.getByLabel("Tags (tasks with all of them)");
  await tagFilter.fill("home");
  await tagFilter.press("Enter");
  await expect(page).toHaveURL(/[?&]tag=home/);
  await expect(titles(page)).toHaveText(["Delta call"]);

  // The bookmark: the same URL in a fresh page shows the same controls and the same list.
  const bookmark = page.url();
  await page.goto("/tasks");
  await expect(page.getByText("5 tasks")).toBeVisible();
  await page.goto(bookmark);
  await expect(page.getByLabel("Priority")).toHaveValue("high");
  await expect(page.getByLabel("Sort by")).toHaveValue("title");
  await expect(page.getByRole("button", { name: "Remove tag home" })).toBeVisible();
  await expect(titles(page)).toHaveText(["Delta call"]);

  // Clear filters keeps the sort; then search.
  await page.getByRole("button", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/tasks\?sort=title$/);
  await expect(titles(page)).toHaveText(["Alpha report", "Beta groceries", "Delta call", "Epsilon done", "Gamma plan"]);
  await page.getByRole("searchbox", { name: "Search" }).fill("groceries");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/[?&]search=groceries/);
  await expect(titles(page)).toHaveText(["Beta groceries"]);
  await page.getByRole("searchbox", { name: "Search" }).fill("");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).not.toHaveURL(/search=/);

  // Status and due-date sort.
  await page.getByLabel("Status").selectOption({ label: "Completed" });
  await expect(page).toHaveURL(/[?&]completed=true/);
  await expect(titles(page)).toHaveText(["Epsilon done"]);
  await page.getByLabel("Status").selectOption({ label: "Open" });
  await expect(page).toHaveURL(/[?&]completed=false/);
  await page.getByLabel("Sort by").selectOption({ label: "Due date (soonest first)" });
  await expect(page).toHaveURL(/[?&]sort=due_date(&|$)/);
  await expect(titles(page)).toHaveText(["Gamma plan", "Alpha report", "Beta groceries", "Delta call"]);

  // A reload keeps them all: the URL is the state.
  await page.reload();
  await expect(page.getByLabel("Status")).toHaveValue("open");
  await expect(page.getByLabel("Sort by")).toHaveValue("due_date");
  await expect(titles(page)).toHaveText(["Gamma plan", "Alpha report", "Beta groceries", "Delta call"]);
});
