// A series as a person lives it: a weekly task counted from each completion, one occurrence skipped (the next
// one comes all the same, made by the recurrence worker), the series' history on the task's page, and the
// series stopped at its open task.
import { expect, test } from "@playwright/test";
import { fillTaskForm, newPerson, screenshot, signUp } from "./helpers";

test("skip an occurrence, see the series' history, stop repeating", async ({ page }) => {
  await signUp(page, newPerson("Series"));
  const title = `Water the ferns ${Date.now()}`;
  await page.goto("/tasks/new");
  await fillTaskForm(page, { title, due: { date: "2031-03-03", time: "07:00" }, weekly: true });
  await page.getByLabel("Count the next one from").selectOption({ label: "each completion (after it is done)" });
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByRole("definition").filter({ hasText: "counted from each completion" })).toBeVisible();

  // Skipped: completed without being done; the worker makes the next occurrence, and the series shows both.
  await page.getByRole("button", { name: "Skip this one" }).click();
  await expect(page.getByRole("definition").filter({ hasText: /^Skipped/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Skip this one" })).toHaveCount(0);
  const series = page.getByRole("region", { name: "Series" });
  await expect(series.getByRole("listitem")).toHaveCount(2, { timeout: 30_000 }); // live: no reload needed
  await expect(series.getByRole("listitem").first()).toContainText("skipped");
  await expect(series.getByRole("listitem").last()).toContainText("open");
  await screenshot(page, "series");

  // The next one, stopped: it is the series' last, and the history stays.
  await series.getByRole("link", { name: title }).click();
  await expect(page.getByRole("button", { name: "Skip this one" })).toBeVisible();
  await page.getByRole("button", { name: "Stop repeating" }).click();
  await expect(page.getByRole("definition").filter({ hasText: /^No$/ })).toBeVisible();
  await expect(page.getByRole("button", { name: "Stop repeating" })).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Series" }).getByRole("listitem")).toHaveCount(2);
});
