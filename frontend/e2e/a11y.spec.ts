// Accessibility: axe-core finds no serious or critical violations on the list, the editor (new and edit), the
// task's page, the profile, the assistant and the sign-in/sign-up forms (WCAG 2.x A/AA and axe's best practices).
import { expect, test } from "@playwright/test";
import { apiAs, expectNoSeriousViolations, newPerson, signUp } from "./helpers";

test("the signed-out pages have no serious accessibility violations", async ({ page }) => {
  await page.goto("/sign-in");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expectNoSeriousViolations(page, "the sign-in page");
  await page.goto("/sign-up");
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await expectNoSeriousViolations(page, "the sign-up page");
});

test("the list, editor, task and profile pages have no serious accessibility violations", async ({ page }) => {
  await signUp(page, newPerson("Axe"));
  await expectNoSeriousViolations(page, "the empty list");
  const task = await apiAs<{ id: number }>(page, "POST", "tasks", {
    title: "Check contrast",
    priority: "high",
    tags: ["a11y", "ui"],
    due_date: "2020-01-01T09:00:00Z", // overdue: its own styling
    description: "Every page, every state.",
  });
  await apiAs(page, "POST", "tasks", { title: "Weekly review", due_date: "2031-01-06T09:00:00Z", recurring_pattern: "FREQ=WEEKLY" });
  const done = await apiAs<{ id: number }>(page, "POST", "tasks", { title: "Done already", priority: "low" });
  await apiAs(page, "PATCH", `tasks/${done.id}/complete`, { completed: true });

  await page.reload();
  await expect(page.getByText("3 tasks")).toBeVisible();
  await expectNoSeriousViolations(page, "the list");

  await page.goto("/tasks/new");
  await expect(page.getByRole("heading", { name: "New task" })).toBeVisible();
  await page.getByRole("button", { name: "Add a reminder" }).click();
  await page.getByLabel("Reminder 1 kind", { exact: true }).selectOption({ label: "At a date and time" });
  await expectNoSeriousViolations(page, "the new-task editor");
  // The editor showing its errors (an empty title).
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page.getByText("Give the task a title.")).toBeVisible();
  await expectNoSeriousViolations(page, "the editor with errors");

  await page.goto(`/tasks/${task.id}/edit`);
  await expect(page.getByRole("heading", { name: "Edit task" })).toBeVisible();
  await expectNoSeriousViolations(page, "the edit editor");

  await page.goto(`/tasks/${task.id}`);
  await expect(page.getByRole("heading", { name: "Check contrast", level: 1 })).toBeVisible();
  await expectNoSeriousViolations(page, "the task's page");
  await page.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("dialog", { name: "Delete this task?" })).toBeVisible();
  await expectNoSeriousViolations(page, "the delete dialog");
  await page.keyboard.press("Escape");

  await page.goto("/profile");
  await expect(page.getByLabel("Time zone")).toBeVisible();
  await expectNoSeriousViolations(page, "the profile");
});

test("the assistant's page has no serious accessibility violations", async ({ page }) => {
  await signUp(page, newPerson("Axe"));
  await apiAs(page, "POST", "tasks", { title: "Quarterly report", priority: "high", tags: ["work"], due_date: "2031-01-06T09:00:00Z" });
  await apiAs(page, "POST", "tasks", { title: "Report slides", recurring_pattern: "FREQ=WEEKLY", due_date: "2031-01-07T09:00:00Z" });

  await page.goto("/assistant");
  await expect(page.getByRole("list", { name: "Examples" })).toBeVisible();
  await expectNoSeriousViolations(page, "the assistant's empty conversation");

  // A reply with task cards, then a question with its choices.
  const box = page.getByLabel("Message", { exact: true });
  await box.fill("list #work");
  await box.press("Enter");
  await expect(page.getByRole("log").getByRole("article", { name: "Quarterly report" })).toContainText("Listed");
  await box.fill("move report to friday 3pm");
  await box.press("Enter");
  await expect(page.getByRole("list", { name: "Tasks to choose from" }).getByRole("button")).toHaveCount(2);
  await expectNoSeriousViolations(page, "the assistant with cards and choices");

  await page.getByRole("button", { name: /^Delete the conversation/ }).click();
  await expect(page.getByRole("dialog", { name: "Delete this conversation?" })).toBeVisible();
  await expectNoSeriousViolations(page, "the assistant's delete dialog");
  await page.keyboard.press("Escape");
});
