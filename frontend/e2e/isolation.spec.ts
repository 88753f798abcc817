// Two people, two browser contexts: the second sees none of the first one's tasks, not even by their address.
import { expect, test } from "@playwright/test";
import { createTask, signedUpPage } from "./helpers";

test("a second user sees none of the first user's tasks", async ({ browser }) => {
  const first = await signedUpPage(browser, "First");
  const title = `Private diary ${Date.now()}`;
  const id = await createTask(first.page, { title, priority: "High", tags: ["secret"] });

  const second = await signedUpPage(browser, "Second");
  await expect(second.page.getByText("No tasks yet.")).toBeVisible();
  await expect(second.page.getByText(title)).toHaveCount(0);

  // Searching and filtering by the first user's tag find nothing either.
  await second.page.goto("/tasks?tag=secret&search=diary");
  await expect(second.page.getByText("No tasks match these filters.")).toBeVisible();

  // The first user's task by its address: not found (the API answers 404, never 403, so it does not even confirm it exists).
  await second.page.goto(`/tasks/${id}`);
  await expect(second.page.getByRole("heading", { name: "Task not found" })).toBeVisible();
  await expect(second.page.getByText(title)).toHaveCount(0);
  await second.page.goto(`/tasks/${id}/edit`);
  await expect(second.page.getByRole("heading", { name: "The task could not be loaded" })).toBeVisible();

  // The first user still has it.
  await first.page.goto("/tasks");
  await expect(first.page.getByRole("link", { name: title })).toBeVisible();
  await first.page.context().close();
  await second.page.context().close();
});
