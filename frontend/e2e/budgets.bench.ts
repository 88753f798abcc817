// Performance budgets of the UI in Chromium, against a running system (bench/ui.py starts it and prints the figures;
// not part of the end-to-end run: playwright.config.ts picks *.bench.ts only with E2E_BENCH=1).
// Writes its measurements as JSON into E2E_BENCH_OUT:
// - list: 500 tasks of one person (created through the API); /tasks?page_size=100 (the largest page the UI offers)
//   from navigation start until its 100 rows are in the DOM, and until they are painted (the next frame);
// - click: "Next page" -> the next 100 rows in the DOM and painted; a completion checkbox -> checked, and the list
//   refreshed; the browser's own Event Timing duration of each click (input to the next paint, as INP counts it);
// - lcp: Largest Contentful Paint of /sign-in, /tasks and a task's page (fresh page each, warm server);
// - js: the JavaScript a first load of /tasks and of a task's page fetched (Resource Timing: bytes over the wire,
//   gzipped by `next start`, and decoded), a cold browser cache each time; it includes the chunks Next.js prefetches
//   for the links in view.
import { writeFileSync } from "node:fs";
import { expect, type Page, test } from "@playwright/test";
import { newPerson, signUp } from "./helpers";

const TASKS = 500;
const PAGE_SIZE = 100;
const RUNS = Number(process.env.E2E_BENCH_RUNS ?? 5);

type Figures = Record<string, number[]>;
const figures: Figures = {};
const record = (name: string, ms: number) => (figures[name] ??= []).push(Math.round(ms * 10) / 10);

test.setTimeout(300_000);

// Before any page script: when the task list first holds `window.__rows` rows, note the time and the next frame's.
const WATCH_ROWS = () => {
  const w = window as unknown as { __rows: number; __rowsAt?: number; __rowsPaintedAt?: number; __events: PerformanceEntry[] };
  w.__rows = 100;
  w.__events = [];
  const check = () => {
    if (w.__rowsAt === undefined && document.querySelectorAll(".task-list > li").length >= w.__rows) {
      w.__rowsAt = performance.now();
      requestAnimationFrame(() => setTimeout(() => (w.__rowsPaintedAt = performance.now()), 0));
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  new PerformanceObserver((list) => w.__events.push(...list.getEntries())).observe({ type: "event", buffered: true, durationThreshold: 16 } as PerformanceObserverInit);
};

/** The scripts the page loaded so far: kB over the wire (compressed) and decoded. */
async function scripts(page: Page): Promise<{ count: number; wire: number; decoded: number }> {
  return page.evaluate(() => {
    const js = (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).filter((entry) => /\.js(\?|$)/.test(entry.name));
    return {
      count: js.length,
      wire: js.reduce((sum, entry) => sum + entry.encodedBodySize, 0) / 1024,
      decoded: js.reduce((sum, entry) => sum + entry.decodedBodySize, 0) / 1024,
    };
  });
}

/**
 * The scripts once none has come for half a second. Not "networkidle": the page's live-update stream is a request
 * that never ends, so the network is never idle.
 */
async function settledScripts(page: Page): Promise<{ count: number; wire: number; decoded: number }> {
  let last = await scripts(page);
  for (;;) {
    await page.waitForTimeout(500);
    const now = await scripts(page);
    if (now.count === last.count && now.wire === last.wire) return now;
    last = now;
  }
}

async function lcp(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let last = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries()) last = entry.startTime;
        }).observe({ type: "largest-contentful-paint", buffered: true });
        setTimeout(() => resolve(last), 500);
      }),
  );
}

test("budgets: a list of 500 tasks, clicks, Largest Contentful Paint", async ({ browser }) => {
  const out = process.env.E2E_BENCH_OUT;
  if (!out) throw new Error("E2E_BENCH_OUT: where the figures go");
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, newPerson("Bench"));

  // 500 tasks through the API, as the signed-in person (4 requests at a time).
  const created = await page.evaluate(async (count) => {
    const { token } = (await (await fetch("/api/auth/token")).json()) as { token: string };
    const sub = (JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { sub: string }).sub;
    const priorities = ["low", "medium", "high"];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const n = next++;
        const response = await fetch(`/api/${sub}/tasks`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            title: `Task ${String(n).padStart(3, "0")} of the budget list`,
            description: "Measured.",
            priority: priorities[n % 3],
            tags: [`tag${n % 7}`, `group${n % 3}`],
            due_date: new Date(Date.UTC(2031, 0, 1 + (n % 300), 9)).toISOString(),
          }),
        });
        if (!response.ok) throw new Error(`create ${n}: ${response.status}`);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return next;
  }, TASKS);
  expect(created).toBe(TASKS);
  const firstTask = await page.evaluate(async () => {
    const { token } = (await (await fetch("/api/auth/token")).json()) as { token: string };
    const sub = (JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))) as { sub: string }).sub;
    const answer = (await (await fetch(`/api/${sub}/tasks?page_size=1`, { headers: { Authorization: `Bearer ${token}` } })).json()) as {
      count: number;
      results: { id: number }[];
    };
    return { count: answer.count, id: answer.results[0]!.id };
  });
  expect(firstTask.count).toBe(TASKS);
  await page.close();

  for (let run = 0; run < RUNS; run++) {
    const list = await context.newPage();
    await list.addInitScript(WATCH_ROWS);
    await list.goto(`/tasks?page_size=${PAGE_SIZE}`);
    await expect(list.locator(".task-list > li")).toHaveCount(PAGE_SIZE);
    await expect.poll(() => list.evaluate(() => (window as unknown as { __rowsPaintedAt?: number }).__rowsPaintedAt)).toBeGreaterThan(0);
    const rendered = await list.evaluate(() => {
      const w = window as unknown as { __rowsAt: number; __rowsPaintedAt: number };
      return { dom: w.__rowsAt, painted: w.__rowsPaintedAt };
    });
    // Where the time goes: the requests the page waits for, one after the other (answered, from navigation start).
    const chain = await list.evaluate(() => {
      const ends = (pattern: RegExp) =>
        (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).filter((entry) => pattern.test(entry.name)).map((entry) => entry.responseEnd);
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return {
        html: nav.responseEnd,
        session: Math.min(...ends(/\/api\/auth\/get-session/)),
        token: Math.min(...ends(/\/api\/auth\/token/)),
        tasks: Math.max(0, ...ends(/\/api\/[^/]+\/tasks\?/)),
      };
    });
    record("list: the HTML answered", chain.html);
    // The page learns who is signed in from the token: no session request at all, then (Infinity: not recorded).
    if (Number.isFinite(chain.session)) record("list: the session answered (/api/auth/get-session)", chain.session);
    record("list: the API token answered (/api/auth/token)", chain.token);
    record("list: the 100 tasks answered (API via the UI's forwarder)", chain.tasks);
    record("list: navigation -> 100 of 500 rows in the DOM", rendered.dom);
    record("list: navigation -> 100 of 500 rows painted", rendered.painted);
    record("lcp /tasks (100 rows)", await lcp(list));

    // "Next page": the next 100 rows.
    await list.evaluate(() => {
      const w = window as unknown as { __rowsAt?: number; __rowsPaintedAt?: number; __firstTitle: string | null; __clickAt: number };
      w.__firstTitle = document.querySelector(".task-list > li .task-title")?.textContent ?? null;
      w.__rowsAt = undefined;
      w.__rowsPaintedAt = undefined;
      const watch = new MutationObserver(() => {
        const first = document.querySelector(".task-list > li .task-title")?.textContent ?? null;
        if (w.__rowsAt === undefined && first !== w.__firstTitle && document.querySelectorAll(".task-list > li").length >= 100) {
          w.__rowsAt = performance.now();
          watch.disconnect();
          requestAnimationFrame(() => setTimeout(() => (w.__rowsPaintedAt = performance.now()), 0));
        }
      });
      watch.observe(document, { childList: true, subtree: true, characterData: true });
      document.addEventListener("pointerdown", () => (w.__clickAt = performance.now()), { capture: true, once: true });
    });
    await list.getByRole("button", { name: "Next page" }).click();
    await expect(list).toHaveURL(/page=2/);
    await expect.poll(() => list.evaluate(() => (window as unknown as { __rowsPaintedAt?: number }).__rowsPaintedAt)).toBeGreaterThan(0);
    const paged = await list.evaluate(() => {
      const w = window as unknown as { __rowsAt: number; __rowsPaintedAt: number; __clickAt: number };
      return { dom: w.__rowsAt - w.__clickAt, painted: w.__rowsPaintedAt - w.__clickAt };
    });
    record("click 'Next page' -> next 100 rows in the DOM", paged.dom);
    record("click 'Next page' -> next 100 rows painted", paged.painted);

    // Completing a task from the list: the checkbox shows it at once, then the list is fetched again.
    const box = list.locator(".task-list > li").first().getByRole("checkbox");
    const title = (await box.getAttribute("aria-label"))!.replace(/^Complete /, "");
    await list.evaluate(() => {
      const w = window as unknown as { __clickAt: number };
      document.addEventListener("pointerdown", () => (w.__clickAt = performance.now()), { capture: true, once: true });
    });
    await box.click();
    await expect(list.getByRole("checkbox", { name: `Reopen ${title}` })).toBeChecked();
    const toggled = await list.evaluate(() => performance.now() - (window as unknown as { __clickAt: number }).__clickAt);
    record("click a checkbox -> shown completed (API answered, list refetched)", toggled);
    await list.getByRole("checkbox", { name: `Reopen ${title}` }).click(); // reopen: the next run starts the same
    await expect(list.getByRole("checkbox", { name: `Complete ${title}` })).not.toBeChecked();
    const events = await list.evaluate(() =>
      (window as unknown as { __events: (PerformanceEntry & { interactionId?: number })[] }).__events
        .filter((entry) => entry.name === "click" || entry.name === "pointerup")
        .map((entry) => entry.duration),
    );
    for (const duration of events) record("click: Event Timing duration (input -> next paint)", duration);
    await list.close();

    const task = await context.newPage();
    await task.goto(`/tasks/${firstTask.id}`);
    await expect(task.getByRole("link", { name: "Edit" })).toBeVisible();
    record("lcp /tasks/{id}", await lcp(task));
    await task.close();
    const anonymous = await browser.newContext();
    const signIn = await anonymous.newPage();
    await signIn.goto("/sign-in");
    await expect(signIn.getByRole("heading", { name: "Sign in" })).toBeVisible();
    record("lcp /sign-in (signed out)", await lcp(signIn));
    await anonymous.close();
  }

  // First-load JS, each page in a context of its own (an empty cache), signed in by the same cookies.
  const state = await context.storageState();
  for (const [name, path, ready] of [
    ["/tasks", `/tasks?page_size=${PAGE_SIZE}`, "Tasks"],
    ["/tasks/{id}", `/tasks/${firstTask.id}`, "Edit"],
  ] as const) {
    const cold = await browser.newContext({ storageState: state });
    const fresh = await cold.newPage();
    await fresh.goto(path);
    await expect(fresh.getByRole(name === "/tasks" ? "heading" : "link", { name: ready, exact: true }).first()).toBeVisible();
    const js = await settledScripts(fresh);
    record(`js ${name}: scripts`, js.count);
    record(`js ${name}: kB over the wire (gzip)`, js.wire);
    record(`js ${name}: kB decoded`, js.decoded);
    await cold.close();
  }
  writeFileSync(out, JSON.stringify(figures, null, 2));
  await context.close();
});
