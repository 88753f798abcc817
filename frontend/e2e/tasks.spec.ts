// Tasks as a person makes them: a task with tags, priority, a due date and a reminder a few seconds ahead is
// listed, its reminder email arrives and the email's link opens the task; a weekly task, once completed, gets
// its next occurrence from the recurrence worker.
import { expect, test } from "@playwright/test";
import { createTask, fillTaskForm, newPerson, screenshot, signUp, utcWall, waitForEmail } from "./helpers";

const REMINDER_LEAD_MS = 15_000; // ahead of now when the form is filled in: time to submit it

test("a task with tags, priority, due date and a reminder: listed, emailed, the email's link opens it", async ({ page }) => {
  const person = newPerson("Reminded");
  await signUp(page, person);
  const title = `Water the plants ${Date.now()}`;
  const tomorrow = utcWall(new Date(Date.now() + 24 * 3600_000)).date;

  await page.getByRole("link", { name: "New task" }).first().click();
  await expect(page.getByRole("heading", { name: "New task" })).toBeVisible();
  await expect(page.getByText("Times are in UTC.")).toBeVisible();
  const reminder = new Date(Date.now() + REMINDER_LEAD_MS);
  await fillTaskForm(page, {
    title,
    description: "The ferns first.",
    priority: "High",
    tags: ["home", "garden"],
    due: { date: tomorrow, time: "18:30" },
    reminderAt: utcWall(reminder),
  });
  await screenshot(page, "editor");
  await page.getByRole("button", { name: "Create task" }).click();

  // The task's page.
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  const taskId = Number(new URL(page.url()).pathname.split("/").pop());
  await expect(page.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(page.getByText("High priority")).toBeVisible();
  await expect(page.getByRole("link", { name: "home" })).toBeVisible();
  await expect(page.getByRole("link", { name: "garden" })).toBeVisible();
  await expect(page.getByRole("definition").filter({ hasText: "(UTC)" })).toContainText("18:30");
  await screenshot(page, "task-detail");

  // Listed, with what matters at a glance.
  await page.getByRole("link", { name: "← All tasks" }).click();
  await expect(page).toHaveURL(/\/tasks$/);
  const item = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: title }) });
  await expect(item).toBeVisible();
  await expect(item.getByText("High priority")).toBeVisible();
  await expect(item.getByText("Reminder set")).toBeVisible();
  await expect(item.getByRole("list", { name: "Tags" })).toHaveText(/home\s*garden/);
  await expect(item.locator("time")).toContainText("18:30");
  await screenshot(page, "list");

  // The reminder email: to this person, about this task, at most a few seconds after its instant.
  const email = await waitForEmail(person.email, REMINDER_LEAD_MS + 30_000);
  expect(email.subject).toBe(`Reminder: ${title}`);
  const link = /https?:\/\/\S+\/tasks\/\d+/.exec(email.text)?.[0];
  expect(link, `a task link in the email's text:\n${email.text}`).toBe(`${new URL(page.url()).origin}/tasks/${taskId}`);

  // The link opens the task (a new tab, signed in by the same cookie).
  const opened = await page.context().newPage();
  await opened.goto(link!);
  await expect(opened.getByRole("heading", { name: title, level: 1 })).toBeVisible();
  await expect(opened.getByText(/· sent/)).toBeVisible();
  await opened.close();
});

test("a weekly task, completed, gets its next occurrence in the list", async ({ page }) => {
  await signUp(page, newPerson("Weekly"));
  const title = `Take out the bins ${Date.now()}`;
  const id = await createTask(page, { title, due: { date: "2031-03-03", time: "07:00" }, weekly: true });
  await expect(page.getByRole("definition").filter({ hasText: /WEEKLY|week/i })).toBeVisible();

  await page.goto("/tasks");
  // The checkbox changes once the API has answered (not at the click): click, then wait for it.
  await page.getByRole("checkbox", { name: `Complete “${title}”` }).click();
  await expect(page.getByRole("checkbox", { name: `Reopen “${title}”` })).toBeChecked();

  // The recurrence worker creates the next one within seconds; the list shows it after a reload.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("checkbox", { name: `Complete “${title}”` })).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 30_000, intervals: [500, 1_000, 2_000] });
  const next = page.getByRole("listitem").filter({ has: page.getByRole("checkbox", { name: `Complete “${title}”` }) });
  await expect(next.locator("time")).toContainText("10 Mar 2031");
  await expect(next.getByText("Repeats")).toBeVisible();

  // The completed task's page names its next occurrence; the new one is in the same series.
  await page.goto(`/tasks/${id}`);
  await expect(page.getByText(/next occurrence/)).toContainText("10 Mar 2031");
  await expect(page.getByRole("heading", { name: "Series" })).toBeVisible();
  await expect(page.getByRole("link", { name: title })).toBeVisible();
});
