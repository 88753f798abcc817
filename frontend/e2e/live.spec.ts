// Live updates: two tabs of one person show the task list; a task created through the API, completed in the other
// tab, reopened through the API and deleted through the API appears, changes and disappears in the first tab within
// seconds, without a reload of it; the other tab, on the task's page meanwhile, follows it until it is deleted.
import { expect, type Page, test } from "@playwright/test";
import { apiAs, newPerson, signUp } from "./helpers";

const LIVE_WITHIN = { timeout: 5_000 }; // a change reaches an open page within a fraction of a second

async function expectLive(page: Page): Promise<void> {
  await expect(page.locator('.live-status[data-status="live"]')).toHaveText(/^Live/);
}

test("a task's changes reach the open pages of its person without a reload", async ({ page }) => {
  await signUp(page, newPerson("Live"));
  const other = await page.context().newPage();
  await other.goto("/tasks");
  await expect(other.getByRole("heading", { name: "Tasks", level: 1 })).toBeVisible();
  await expectLive(page);
  await expectLive(other);
  // Survives anything but a full load of the page.
  await page.evaluate(() => Object.assign(window, { liveMarker: "still here" }));

  const title = `Answer the letters ${Date.now()}`;
  const task = await apiAs<{ id: number }>(other, "POST", "tasks", { title, priority: "high" });
  await expect(page.getByRole("link", { name: title })).toBeVisible(LIVE_WITHIN);

  // Completed in the other tab.
  await other.getByRole("checkbox", { name: `Complete “${title}”` }).click(LIVE_WITHIN);
  await expect(page.getByRole("checkbox", { name: `Reopen “${title}”` })).toBeChecked(LIVE_WITHIN);

  // The other tab on the task's page; reopened through the API.
  await other.getByRole("link", { name: title }).click();
  await expect(other.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(other.getByRole("button", { name: "Reopen" })).toBeVisible();
  await apiAs(other, "PATCH", `tasks/${task.id}/complete`, { completed: false });
  await expect(page.getByRole("checkbox", { name: `Complete “${title}”` })).not.toBeChecked(LIVE_WITHIN);
  await expect(other.getByRole("button", { name: "Complete" })).toBeVisible(LIVE_WITHIN);

  // Deleted through the API: gone from the list, and its page says so.
  await apiAs(other, "DELETE", `tasks/${task.id}`);
  await expect(page.getByRole("link", { name: title })).toHaveCount(0, LIVE_WITHIN);
  await expect(page.getByText("No tasks yet.")).toBeVisible();
  await expect(other.getByRole("heading", { name: "Task deleted", level: 1 })).toBeVisible(LIVE_WITHIN);
  await expect(other.getByText(`“${title}” has been deleted.`)).toBeVisible();

  expect(await page.evaluate(() => (window as unknown as { liveMarker?: string }).liveMarker)).toBe("still here");
  await other.close();
});
