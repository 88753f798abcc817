// The calendar feed from the profile page: its secret address works in a calendar app (here: fetched as one would),
// shows the person's tasks with due dates, and stops working when replaced or turned off.
import { expect, test } from "@playwright/test";
import { apiAs, newPerson, screenshot, signUp } from "./helpers";

test("a calendar feed is turned on, read, replaced and turned off from the profile", async ({ page }) => {
  await signUp(page, newPerson("Calendar"));
  const title = `Dentist ${Date.now()}`;
  await apiAs(page, "POST", "tasks", { title, due_date: "2031-03-04T08:30:00Z", recurring_pattern: "FREQ=MONTHLY" });

  await page.goto("/profile");
  await expect(page.getByRole("heading", { name: "Calendar feed" })).toBeVisible();
  await expect(page.getByText("The feed is off.")).toBeVisible();
  await page.getByRole("button", { name: "Turn the feed on" }).click();
  const address = page.getByLabel("Your feed address (shown this once)");
  await expect(address).toHaveValue(/\/ical\/[\w-]+\.ics$/);
  const first = await address.inputValue();
  await screenshot(page, "calendar-feed");

  // A calendar app sends no cookie and no header: the address alone opens it, through the UI's origin.
  const feed = await page.request.get(first);
  expect(feed.status()).toBe(200);
  expect(feed.headers()["content-type"]).toContain("text/calendar");
  const body = await feed.text();
  expect(body).toContain(`SUMMARY:${title}`);
  expect(body).toContain("RRULE:FREQ=MONTHLY");

  await page.getByRole("button", { name: "Make a new address" }).click();
  await expect(address).not.toHaveValue(first);
  const second = await address.inputValue();
  expect((await page.request.get(first)).status()).toBe(404);
  expect((await page.request.get(second)).status()).toBe(200);

  await page.getByRole("button", { name: "Turn the feed off" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Turn off" }).click();
  await expect(page.getByText("The feed is off.")).toBeVisible();
  expect((await page.request.get(second)).status()).toBe(404);

  // After a reload the address is not shown again: only its digest was kept.
  await page.getByRole("button", { name: "Turn the feed on" }).click();
  await page.reload();
  await expect(page.getByText(/The feed is on/)).toBeVisible();
  await expect(page.getByLabel("Your feed address (shown this once)")).toHaveCount(0);
});
