// Export and import from the profile page: one person downloads their tasks, another imports the file and sees the
// same tasks (a series still repeating, a completion kept as history); a file that is not an export is refused with
// its problems listed, and nothing is imported.
import { readFileSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { apiAs, screenshot, signedUpPage } from "./helpers";

interface Task {
  id: number;
  title: string;
  completed: boolean;
  parent_task_id: number | null;
  recurring_pattern: string | null;
}

interface TaskPage<T> {
  results: T[];
}

test("tasks exported by one person are imported by another", async ({ browser }) => {
  const stamp = Date.now();
  const { page: exporter } = await signedUpPage(browser, "Exporter");
  const open = `Renew passport ${stamp}`;
  const repeating = `Water the plants ${stamp}`;
  const done = `File taxes ${stamp}`;
  await apiAs(exporter, "POST", "tasks", {
    title: open,
    priority: "high",
    tags: ["papers"],
    due_date: "2031-05-04T09:00:00Z",
    reminder_at: "2031-05-03T09:00:00Z",
  });
  await apiAs(exporter, "POST", "tasks", { title: repeating, due_date: "2031-05-01T08:00:00Z", recurring_pattern: "WEEKLY" });
  const finished = await apiAs<Task>(exporter, "POST", "tasks", { title: done });
  await apiAs(exporter, "PATCH", `tasks/${finished.id}/complete`, { completed: true });

  await exporter.goto("/profile");
  await expect(exporter.getByRole("heading", { name: "Export and import" })).toBeVisible();
  const downloading = exporter.waitForEvent("download");
  await exporter.getByRole("button", { name: "Export my tasks" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^todo-export-\d{4}-\d{2}-\d{2}\.json$/);
  const file = await download.path();
  const exported = JSON.parse(readFileSync(file, "utf8")) as { format: string; tasks: { title: string }[] };
  expect(exported.format).toBe("todo-export");
  expect(exported.tasks.map((task) => task.title)).toEqual([open, repeating, done]);
  await expect(exporter.getByRole("status").filter({ hasText: /Downloaded todo-export-.*\.json\./ })).toBeVisible();

  const { page: importer } = await signedUpPage(browser, "Importer");
  await importer.goto("/profile");
  await importer.getByLabel("Export file to import").setInputFiles(file);
  await importer.getByRole("button", { name: "Import tasks" }).click();
  await expect(importer.getByRole("status").filter({ hasText: "Imported 3 tasks." })).toBeVisible();
  await screenshot(importer, "export-import");

  await importer.getByRole("link", { name: "Tasks", exact: true }).click();
  await expect(importer.getByRole("link", { name: open })).toBeVisible();
  await expect(importer.getByRole("link", { name: repeating })).toBeVisible();

  // The importer's own tasks, as the API has them: the same titles, the completion kept, the series repeating.
  const mine = await apiAs<TaskPage<Task>>(importer, "GET", "tasks?sort=created_at&page_size=100");
  const titles = mine.results.map((task) => task.title);
  expect(titles).toEqual(expect.arrayContaining([open, repeating, done]));
  const copies = mine.results.filter((task) => [open, repeating, done].includes(task.title));
  expect(copies).toHaveLength(3);
  expect(copies.find((task) => task.title === done)?.completed).toBe(true);
  expect(copies.find((task) => task.title === repeating)?.recurring_pattern).toBe("WEEKLY");
  // The exporter still has their own three, untouched.
  const theirs = await apiAs<TaskPage<Task>>(exporter, "GET", "tasks?page_size=100");
  expect(theirs.results).toHaveLength(3);
});

test("a file that is not an export is refused with its problems, and nothing is imported", async ({ browser }) => {
  const { page } = await signedUpPage(browser, "Careful");
  await page.goto("/profile");
  const broken = {
    format: "todo-export",
    version: 1,
    exported_at: "2031-01-01T00:00:00Z",
    timezone: "UTC",
    tasks: [
      { id: 1, title: "Fine", created_at: "2031-01-01T00:00:00Z" },
      { id: 2, series: 7, title: "Orphan", created_at: "2031-01-01T00:00:00Z" },
    ],
  };
  await page.getByLabel("Export file to import").setInputFiles({
    name: "broken.json",
    mimeType: "application/json",
    buffer: Buffer.from(JSON.stringify(broken)),
  });
  await page.getByRole("button", { name: "Import tasks" }).click();
  // Next.js's route announcer is an (empty) alert too: the import's is the one that says what went wrong.
  const alert = page.getByRole("alert").filter({ hasText: "The request has invalid fields." });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText("Task 2 of the file (series): No earlier task of the file has the id 7.");
  await expect(alert).toContainText("Nothing was imported.");
  const mine = await apiAs<TaskPage<Task>>(page, "GET", "tasks");
  expect(mine.results).toHaveLength(0);

  await page.getByLabel("Export file to import").setInputFiles({
    name: "notes.json",
    mimeType: "application/json",
    buffer: Buffer.from("these are not tasks"),
  });
  await page.getByRole("button", { name: "Import tasks" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "The file: Not valid JSON" })).toBeVisible();
});
