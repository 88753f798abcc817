// The profile's time zone decides how due times are shown (a task created at 10:00 UTC shows 19:00 in Tokyo),
// and new tasks' wall-clock times are then typed in that zone.
import { expect, test } from "@playwright/test";
import { apiAs, newPerson, screenshot, signUp } from "./helpers";

test("the profile's time zone changes how due times are shown", async ({ page }) => {
  const person = newPerson("Zoned");
  await signUp(page, person);
  const title = `Call home ${Date.now()}`;
  await apiAs(page, "POST", "tasks", { title, due_date: "2031-01-15T10:00:00Z" });

  await page.reload();
  const due = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: title }) }).locator("time");
  await expect(due).toContainText("15 Jan 2031, 10:00");

  await page.getByRole("link", { name: "Profile" }).click();
  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await expect(page.getByText(person.email, { exact: true })).toBeVisible();
  const zone = page.getByLabel("Time zone");
  await expect(zone).toHaveValue("UTC");
  await zone.selectOption("Asia/Tokyo");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Saved: your time zone is Asia/Tokyo." })).toBeVisible();
  await screenshot(page, "profile");

  await page.getByRole("link", { name: "Tasks", exact: true }).click();
  await expect(due).toContainText("15 Jan 2031, 19:00");
  // It is the profile's, not the browser's: it holds after a reload too.
  await page.reload();
  await expect(due).toContainText("15 Jan 2031, 19:00");
  await page.getByRole("link", { name: "New task" }).first().click();
  await expect(page.getByText("Times are in Asia/Tokyo.")).toBeVisible();

  // West of UTC: Honolulu (UTC-10) shows midnight of the same day.
  await page.goto("/profile");
  await page.getByLabel("Time zone").selectOption("Pacific/Honolulu");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Pacific/Honolulu" })).toBeVisible();
  await page.goto("/tasks");
  await expect(due).toContainText("15 Jan 2031, 00:00");
});
