// The task assistant from its page, as a person uses it: an example phrase adds a task, shown as a "created" card
// (title, tag, priority, due time in the profile's zone) linking to the task; with two tasks whose titles say
// "report", "complete report" asks which one and offers both as cards, and the chosen one is completed; a reloaded
// page reopens the conversation from the list with its history; the tasks are in the list as the assistant left
// them; the conversation is deleted. A message the API refuses shows its reason at the message box.
import { expect, type Page, test } from "@playwright/test";
import { newPerson, screenshot, signUp } from "./helpers";

const MILK = "buy milk tomorrow 5pm #home !high";

function messageBox(page: Page) {
  return page.getByLabel("Message", { exact: true });
}

/** Says something to the assistant (Enter sends) and waits until it has answered (the box is free again). */
async function say(page: Page, words: string): Promise<void> {
  const box = messageBox(page);
  await box.fill(words);
  await box.press("Enter");
  await expect(box).toBeEnabled();
  await expect(box).toHaveValue("");
}

test("the assistant adds a task, asks which task is meant, completes the chosen one, and keeps the conversation", async ({ page }) => {
  await signUp(page, newPerson("Assistant"));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Assistant" }).click();
  await expect(page).toHaveURL(/\/assistant$/);
  await expect(page.getByRole("heading", { name: "Assistant", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "New conversation" })).toBeVisible();
  const conversations = page.getByRole("region", { name: "Conversations" });
  await expect(conversations.getByText("No conversations yet.")).toBeVisible();
  const log = page.getByRole("log");

  // Too long for the API: its reason next to the box, the words kept there.
  await messageBox(page).fill("x".repeat(1001));
  await messageBox(page).press("Enter");
  await expect(page.getByText("Ensure this field has no more than 1000 characters.")).toBeVisible();
  await expect(messageBox(page)).toHaveAttribute("aria-invalid", "true");
  await expect(messageBox(page)).toHaveValue("x".repeat(1001));

  // An example fills the box; Enter sends it.
  await page.getByRole("list", { name: "Examples" }).getByRole("button", { name: MILK }).click();
  await expect(messageBox(page)).toHaveValue(MILK);
  await expect(messageBox(page)).toBeFocused();
  await messageBox(page).press("Enter");
  const milk = log.getByRole("article", { name: "buy milk" });
  await expect(milk).toBeVisible();
  await expect(messageBox(page)).not.toHaveAttribute("aria-invalid");
  await expect(milk.getByText("Created", { exact: true })).toBeVisible();
  await expect(milk.getByText("High priority")).toBeVisible();
  await expect(milk.getByRole("list", { name: "Tags" })).toHaveText("home");
  await expect(milk.locator("time")).toContainText("17:00"); // tomorrow 5pm in the profile's zone (UTC)
  await expect(milk.getByRole("link", { name: "buy milk" })).toHaveAttribute("href", /^\/tasks\/\d+$/);
  await expect(log.getByText(MILK, { exact: true })).toBeVisible();
  await expect(log).toContainText(/Added "buy milk" \(#\d+\)/);
  await expect(page.getByRole("heading", { name: MILK, level: 2 })).toBeVisible();
  const listed = conversations.getByRole("button", { name: new RegExp(`^${MILK}`) });
  await expect(listed).toHaveAttribute("aria-current", "true");

  // Two tasks whose titles say "report", then "complete report": which one?
  await say(page, "annual report #work");
  await expect(log.getByRole("article", { name: "annual report" })).toContainText("Created");
  await say(page, "report slides !low");
  await expect(log.getByRole("article", { name: "report slides" })).toContainText("Created");
  await say(page, "complete report");
  await expect(log).toContainText('Which "report" task');
  const choices = log.getByRole("list", { name: "Tasks to choose from" });
  await expect(choices.getByRole("article")).toHaveCount(2);
  await expect(choices.getByRole("article", { name: "annual report" })).toBeVisible();
  await expect(choices.getByRole("article", { name: "report slides" })).toBeVisible();
  await screenshot(page, "assistant-question");

  // Chosen: the answer is the task's number, and the task is completed.
  const annual = choices.getByRole("button", { name: /^Choose “annual report” \(#\d+\)$/ });
  const annualId = /#(\d+)/.exec((await annual.textContent()) ?? "")?.[1];
  await annual.click();
  const completed = log.getByRole("article", { name: "annual report" }).filter({ hasText: "Completed" });
  await expect(completed).toBeVisible();
  await expect(completed.getByRole("link", { name: "annual report" })).toHaveAttribute("href", `/tasks/${annualId}`);
  await expect(log.locator(".chat-message-user .chat-text").last()).toHaveText(`#${annualId}`);
  await expect(choices.getByRole("button")).toHaveCount(0);
  await expect(messageBox(page)).toBeFocused();
  await screenshot(page, "assistant");

  // Reloaded, the page starts a new conversation; the list reopens this one, its history (oldest first) there.
  await page.reload();
  await expect(page.getByRole("heading", { name: "New conversation" })).toBeVisible();
  await listed.click();
  await expect(page.getByRole("heading", { name: MILK, level: 2 })).toBeVisible();
  await expect(milk).toContainText("Created");
  await expect(completed).toBeVisible();
  await expect(log.getByText("complete report", { exact: true })).toBeVisible();
  const said = await log.locator(".chat-message-user .chat-text").allTextContents();
  expect(said).toEqual([MILK, "annual report #work", "report slides !low", "complete report", `#${annualId}`]);

  // The card links to the task; the list shows the tasks as the assistant left them.
  await milk.getByRole("link", { name: "buy milk" }).click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByRole("heading", { name: "buy milk", level: 1 })).toBeVisible();
  await page.goto("/tasks");
  const item = page.getByRole("listitem").filter({ has: page.getByRole("link", { name: "buy milk" }) });
  await expect(item.getByText("High priority")).toBeVisible();
  await expect(item.getByRole("list", { name: "Tags" })).toHaveText("home");
  await expect(page.getByRole("checkbox", { name: "Reopen “annual report”" })).toBeChecked();
  await expect(page.getByRole("checkbox", { name: "Complete “report slides”" })).not.toBeChecked();

  // Deleted (after a confirmation), the conversation leaves the list; the tasks stay.
  await page.goto("/assistant");
  await conversations.getByRole("button", { name: `Delete the conversation “${MILK}”` }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this conversation?" });
  await dialog.getByRole("button", { name: "Delete conversation" }).click();
  await expect(dialog).toBeHidden();
  await expect(conversations.getByText("No conversations yet.")).toBeVisible();
  await page.goto("/tasks");
  await expect(page.getByText("3 tasks")).toBeVisible();
});
