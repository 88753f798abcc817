// Shared steps of the end-to-end specs: people (unique per run), signing up and in, creating tasks, the reminder
// emails the SMTP sink of the test process writes into E2E_MAILDIR, screenshots and accessibility checks.
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { type Browser, expect, type Page } from "@playwright/test";

export const ARTIFACTS = resolve(process.env.E2E_ARTIFACTS ?? "../.cache/logs/tests/ui");
export const PASSWORD = "correct horse battery staple";

export interface Person {
  name: string;
  email: string;
  password: string;
}

let people = 0;

/** Someone new: an email no earlier run used (the time of this run, the process and a counter). */
export function newPerson(name: string): Person {
  people += 1;
  const tag = `${Date.now().toString(36)}-${process.pid}-${people}`;
  return { name, email: `${name.toLowerCase().replace(/\W+/g, "-")}-${tag}@example.com`, password: PASSWORD };
}

export async function signUp(page: Page, person: Person): Promise<void> {
  await page.goto("/sign-up");
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await page.getByLabel("Name").fill(person.name);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Create an account" }).click();
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(page.getByRole("heading", { name: "Tasks", level: 1 })).toBeVisible();
}

export async function signIn(page: Page, person: Pick<Person, "email" | "password">): Promise<void> {
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A browser context of its own (cookies, storage) with a newly signed-up person in it. */
export async function signedUpPage(browser: Browser, name: string): Promise<{ page: Page; person: Person }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const person = newPerson(name);
  await signUp(page, person);
  return { page, person };
}

/** The wall-clock date (YYYY-MM-DD) and time (HH:MM:SS) of an instant in UTC (the profile's zone in these tests). */
export function utcWall(instant: Date): { date: string; time: string } {
  const iso = instant.toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 19) };
}

export interface NewTask {
  title: string;
  description?: string;
  priority?: "Low" | "Medium" | "High";
  tags?: string[];
  due?: { date: string; time?: string };
  /** One reminder at this wall-clock time (added after the form's reminders). */
  reminderAt?: { date: string; time: string };
  /** Repeats every week, on the due date's weekday. */
  weekly?: boolean;
}

/** Fills the task form (new or edit) the way a person does, without submitting it. */
export async function fillTaskForm(page: Page, task: NewTask): Promise<void> {
  await page.getByLabel("Title (required)").fill(task.title);
  if (task.description !== undefined) await page.getByLabel("Description").fill(task.description);
  if (task.priority) await page.getByLabel("Priority").selectOption({ label: task.priority });
  const tagInput = page.getByLabel("Tags", { exact: true }); // a combobox: it suggests the person's tags
  for (const tag of task.tags ?? []) {
    await tagInput.fill(tag);
    await tagInput.press("Enter");
    await expect(page.getByRole("button", { name: `Remove tag ${tag}` })).toBeVisible();
  }
  if (task.due) {
    await page.getByLabel("Date", { exact: true }).fill(task.due.date);
    if (task.due.time) await page.getByLabel("Time (optional)").fill(task.due.time);
  }
  if (task.reminderAt) await addReminderAt(page, task.reminderAt);
  if (task.weekly) {
    // The RRULE builder's "Repeat" choice; a plain RRULE field where the builder is not there.
    const repeat = page.getByRole("combobox", { name: "Repeat", exact: true });
    if (await repeat.count()) await repeat.selectOption({ label: "Weekly" });
    else await page.getByLabel("Repeat rule (RRULE)").fill("FREQ=WEEKLY");
  }
}

/** Adds a reminder row to the task form (after those it has) and makes it one at a date and time. */
export async function addReminderAt(page: Page, at: { date: string; time: string }): Promise<void> {
  const n = (await page.getByRole("button", { name: /^Remove reminder \d+$/ }).count()) + 1;
  await page.getByRole("button", { name: "Add a reminder" }).click();
  await page.getByLabel(`Reminder ${n} kind`, { exact: true }).selectOption({ label: "At a date and time" });
  await page.getByLabel(`Reminder ${n} date`).fill(at.date);
  await page.getByLabel(`Reminder ${n} time`).fill(at.time);
}

/** Creates a task through the form; resolves to its id once its page shows it. */
export async function createTask(page: Page, task: NewTask): Promise<number> {
  await page.goto("/tasks/new");
  await expect(page.getByRole("heading", { name: "New task" })).toBeVisible();
  await fillTaskForm(page, task);
  await page.getByRole("button", { name: "Create task" }).click();
  await expect(page).toHaveURL(/\/tasks\/\d+$/);
  await expect(page.getByRole("heading", { name: task.title, level: 1 })).toBeVisible();
  return Number(new URL(page.url()).pathname.split("/").pop());
}

/** The API as the signed-in page's user: the JWT from Better Auth, then the UI's forwarder, as the UI itself does. */
export async function apiAs<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const tokenResponse = await fetch("/api/auth/token", { credentials: "include" });
      const { token } = (await tokenResponse.json()) as { token: string };
      const sub = (JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { sub: string }).sub;
      const response = await fetch(`/api/${sub}/${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (response.status === 204 ? null : await response.json()) as T;
    },
    { method, path, body },
  );
}

/** A full-page screenshot in E2E_ARTIFACTS/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(ARTIFACTS, "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules, best practices). */
export async function expectNoSeriousViolations(page: Page, what: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]).analyze();
  const serious = results.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(" ")).join(", ")})`);
  expect(serious, `axe on ${what}`).toEqual([]);
}

// --- Reminder emails: the SMTP sink writes each accepted message as NNNNNN.eml into E2E_MAILDIR.

export interface Email {
  file: string;
  to: string;
  subject: string;
  text: string;
}

function splitMessage(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf("\r\n\r\n") >= 0 ? raw.indexOf("\r\n\r\n") : raw.indexOf("\n\n");
  const head = at >= 0 ? raw.slice(0, at) : raw;
  const body = at >= 0 ? raw.slice(at).replace(/^\r?\n\r?\n/, "") : "";
  const headers = new Map<string, string>();
  // Folded header lines continue with whitespace.
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? "").toLowerCase()) {
    case "base64":
      return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    case "quoted-printable":
      return Buffer.from(
        body.replace(/=\r?\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        "latin1",
      ).toString("utf8");
    default:
      return body;
  }
}

/** The text/plain part of a message (a single part or the first text/plain of a multipart one). */
export function parseEmail(file: string, raw: string): Email {
  const { headers, body } = splitMessage(raw);
  const type = headers.get("content-type") ?? "text/plain";
  let text = "";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (type.toLowerCase().startsWith("multipart/") && boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      const part = splitMessage(chunk.replace(/^\r?\n/, ""));
      if ((part.headers.get("content-type") ?? "text/plain").toLowerCase().startsWith("text/plain")) {
        text = decodeBody(part.body, part.headers.get("content-transfer-encoding"));
        break;
      }
    }
  } else {
    text = decodeBody(body, headers.get("content-transfer-encoding"));
  }
  return { file, to: headers.get("to") ?? "", subject: headers.get("subject") ?? "", text };
}

export function maildir(): string {
  const dir = process.env.E2E_MAILDIR;
  if (!dir) throw new Error("E2E_MAILDIR is not set: the reminder emails land there");
  return dir;
}

/** The emails to `address` in the maildir so far. */
export function emailsTo(address: string): Email[] {
  const dir = maildir();
  return readdirSync(dir)
    .filter((file) => file.endsWith(".eml"))
    .sort()
    .map((file) => parseEmail(file, readFileSync(join(dir, file), "utf8")))
    .filter((email) => email.to.toLowerCase().includes(address.toLowerCase()));
}

/** Waits (polling the maildir) for the first email to `address`. */
export async function waitForEmail(address: string, timeout: number): Promise<Email> {
  let found: Email | undefined;
  await expect
    .poll(
      () => {
        found = emailsTo(address)[0];
        return found !== undefined;
      },
      { message: `an email to ${address} in ${maildir()}`, timeout, intervals: [250, 500, 1000] },
    )
    .toBe(true);
  return found!;
}
