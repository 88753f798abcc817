// Several reminders on one task, as a person sets them: two before the due date through the form, listed on the
// task's page with their times and offsets; edited, one removed and one at a date and time added, the new list in
// the order they fall. The due date is a few days ahead (UTC, the profile's zone here), so that every reminder lies
// ahead whatever the time of the run; a reminder before the due date is refused without one.
import { expect, type Locator, type Page, test } from "@playwright/test";
import { addReminderAt, fillTaskForm, newPerson, screenshot, signUp, utcWall } from "./helpers";

const DAY_MS = 24 * 3600_000;

/** The items of the task page's "Reminders" (the definition after that term). */
function reminderItems(page: Page): Locator {
  return page.getByRole("term").filter({ hasText: /^Reminders$/ }).locator("xpath=following-sibling::dd[1]").getByRole("listitem");
}

/** A reminder on the task's page: its time (the <time> element's instant and its text, in UTC) and what follows it. */
async function expectReminder(item: Locator, instant: Date, rest: RegExp): Promise<void> {
  const time = item.locator("time");
  await expect(time).toContainText(utcWall(instant).time.slice(0, 5));
  expect(Date.parse((await time.getAttribute("datetime")) ?? "")).toBe(instant.getTime());
  await expect(item).toHaveText(rest);
}

test("a task with two reminders before its due date, then one removed and one at a time added", async ({ page }) => {
  await signUp(page, newPerson("Reminders"));
  const title = `Renew the insurance ${Date.now()}`;
  const dueDate = utcWall(new Date(Date.now() + 5 * DAY_MS)).date;
  const due = new Date(`${dueDate}T10:00:00Z`);

  // Two reminders before the due time: "1 day before" chosen, "15 minutes before" as a new one comes.
  await page.goto("/tasks/new");
  await expect(page.getByRole("heading", { name: "New task" })).toBeVisible();
  await fillTaskForm(page, { title, due: { date: dueDate, time: "10:00" } });
  await expect(page.getByText("No reminders.")).toBeVisible();
  await page.getByRole("button", { name: "Add a reminder" }).click();
  await expect(page.getByLabel("Reminder 1 kind", { exact: true })).toHaveValue("before");
  await page.getByLabel("Reminder 1 offset").selectOption({ label: "1 day before" });
  await page.getByRole("button", { name: "Add a reminder" }).click();
  await expect(page.getByLabel("Reminder 2 offset")).toHaveValue("PT15M");
  await screenshot(page, "reminders-editor");
  await page.getByRole("button", { name: "Create task" }).click();

  // Both on the task's page, in the order they fall, with their times and offsets; none sent yet.
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  const items = reminderItems(page);
  await expect(items).toHaveCount(2);
  await expectReminder(items.nth(0), new Date(due.getTime() - DAY_MS), /^.*10:00 \(1 day before\)$/);
  await expectReminder(items.nth(1), new Date(due.getTime() - 15 * 60_000), /^.*09:45 \(15 minutes before\)$/);
  await screenshot(page, "reminders-detail");

  // Edited: the form shows both; the second removed, one at a date and time (two days before, 12:30) added.
  await page.getByRole("link", { name: "Edit", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Edit task" })).toBeVisible();
  await expect(page.getByLabel("Reminder 1 offset")).toHaveValue("P1D");
  await expect(page.getByLabel("Reminder 2 offset")).toHaveValue("PT15M");
  await page.getByRole("button", { name: "Remove reminder 2", exact: true }).click();
  await expect(page.getByLabel("Reminder 2 kind", { exact: true })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Add a reminder" })).toBeFocused();
  const at = new Date(`${utcWall(new Date(due.getTime() - 2 * DAY_MS)).date}T12:30:00Z`);
  await addReminderAt(page, { date: utcWall(at).date, time: "12:30" });
  await expect(page.getByLabel("Reminder 2 kind", { exact: true })).toHaveValue("at");
  await page.getByRole("button", { name: "Save changes" }).click();

  // The new list: the time first (it falls first), then the day before; the 15 minutes gone.
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(items).toHaveCount(2);
  await expectReminder(items.nth(0), at, /^.*12:30$/);
  await expectReminder(items.nth(1), new Date(due.getTime() - DAY_MS), /^.*10:00 \(1 day before\)$/);
  await expect(page.getByText("(15 minutes before)")).toHaveCount(0);
});

test("a reminder before the due date needs a due date", async ({ page }) => {
  await signUp(page, newPerson("Undated"));
  const title = `Call the plumber ${Date.now()}`;
  await page.goto("/tasks/new");
  await expect(page.getByRole("heading", { name: "New task" })).toBeVisible();
  await fillTaskForm(page, { title });

  // Without a due date a new reminder is at a time; made relative, the form refuses it next to it.
  await page.getByRole("button", { name: "Add a reminder" }).click();
  await expect(page.getByLabel("Reminder 1 kind", { exact: true })).toHaveValue("at");
  await page.getByLabel("Reminder 1 kind", { exact: true }).selectOption({ label: "Before the due time" });
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page.getByText("A reminder before the due date needs a due date.")).toBeVisible();
  await expect(page.getByLabel("Reminder 1 offset")).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/tasks\/new$/);

  // Removed (its message goes with it), the task is created without reminders.
  await page.getByRole("button", { name: "Remove reminder 1", exact: true }).click();
  await expect(page.getByText("A reminder before the due date needs a due date.")).toHaveCount(0);
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(page.getByRole("term").filter({ hasText: /^Reminders$/ }).locator("xpath=following-sibling::dd[1]")).toHaveText("None");
});
