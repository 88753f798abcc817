// Webhooks from their page: an endpoint is registered and its signing secret shown and rotated; an address on the
// internal network is refused with the API's reason next to the field; an endpoint's (empty) delivery log is shown,
// and the endpoint is deleted. The browser cannot host a receiver, so nothing is delivered here (the pytest suite,
// tests/webhooks_app, delivers to a local receiver). The system under test runs with the default
// WEBHOOKS_ALLOW_PRIVATE_TARGETS=false, as production does: http and private addresses are refused.
import { expect, test } from "@playwright/test";
import { apiAs, expectNoSeriousViolations, newPerson, screenshot, signUp } from "./helpers";

// A public address written as an IP: accepted without a DNS lookup (the test machine may have no DNS).
const PUBLIC_URL = "https://93.184.215.14/hooks/todo";

test("a webhook endpoint is added, its secret shown and rotated, and it is deleted", async ({ page }) => {
  await signUp(page, newPerson("Webhooks"));
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Webhooks" }).click();
  await expect(page).toHaveURL(/\/webhooks$/);
  await expect(page.getByRole("heading", { name: "Webhooks", level: 1 })).toBeVisible();
  await expect(page.getByText("No webhook endpoints yet.")).toBeVisible();

  // An address on the internal network (the cloud metadata service) is refused, with the reason at the field.
  await page.getByLabel("Endpoint URL").fill("https://169.254.169.254/latest/meta-data");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByText(/169\.254\.169\.254, a link-local address/)).toBeVisible();
  await expect(page.getByLabel("Endpoint URL")).toHaveAttribute("aria-invalid", "true");
  await page.getByLabel("Endpoint URL").fill("http://127.0.0.1:8080/hooks");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByText("The URL must use https.")).toBeVisible();

  // A public https address, for created and deleted tasks only.
  await page.getByLabel("Endpoint URL").fill(PUBLIC_URL);
  await page.getByLabel("Task updated").uncheck();
  await page.getByLabel("Description (optional)").fill("CRM sync");
  await page.getByRole("button", { name: "Add endpoint" }).click();
  const card = page.getByRole("article", { name: PUBLIC_URL });
  await expect(card).toBeVisible();
  await expect(card.getByText("Enabled", { exact: true })).toBeVisible();
  await expect(card.getByText("Sends: task.created, task.deleted")).toBeVisible();
  await expect(card.getByText("CRM sync")).toBeVisible();
  await expect(page.getByText("No webhook endpoints yet.")).toHaveCount(0);

  const secret = card.getByRole("textbox", { name: "Signing secret" });
  await expect(secret).toHaveAttribute("type", "password");
  await card.getByRole("button", { name: "Show secret" }).click();
  await expect(secret).toHaveAttribute("type", "text");
  await expect(secret).toHaveValue(/^whsec_[\w-]{40,}$/);
  const first = await secret.inputValue();
  await screenshot(page, "webhooks");
  await expectNoSeriousViolations(page, "webhooks page");

  // The secret is the one the API signs with.
  const [registered] = await apiAs<{ id: number; secret: string }[]>(page, "GET", "webhooks");
  expect(registered?.secret).toBe(first);

  await card.getByRole("button", { name: "Rotate secret" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Rotate" }).click();
  await expect(secret).not.toHaveValue(first);
  await expect(secret).toHaveValue(/^whsec_/);
  const [rotated] = await apiAs<{ secret: string }[]>(page, "GET", "webhooks");
  expect(rotated?.secret).toBe(await secret.inputValue());

  await card.getByRole("button", { name: "Show recent deliveries" }).click();
  await expect(card.getByText("No deliveries yet.")).toBeVisible();

  // After a reload the endpoint is still there (the secret is the person's: shown whenever they look).
  await page.reload();
  await expect(page.getByRole("article", { name: PUBLIC_URL })).toBeVisible();

  await page.getByRole("article", { name: PUBLIC_URL }).getByRole("button", { name: "Delete" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByText("No webhook endpoints yet.")).toBeVisible();
  expect(await apiAs<unknown[]>(page, "GET", "webhooks")).toEqual([]);
});

test("a disabled endpoint shows why, and is enabled again", async ({ page }) => {
  await signUp(page, newPerson("Disabled hooks"));
  const created = await apiAs<{ id: number }>(page, "POST", "webhooks", {
    url: PUBLIC_URL,
    event_types: ["task.created"],
  });
  expect(created.id).toBeGreaterThan(0);
  // No receiver can fail here for 20 deliveries in a row; the page shows what the API says once that happened.
  await page.route("**/api/*/webhooks", async (route) => {
    const response = await route.fetch();
    const body = (await response.json()) as Record<string, unknown>[];
    await route.fulfill({
      response,
      json: body.map((endpoint) => ({
        ...endpoint,
        enabled: false,
        disabled_reason: "Disabled after 20 failed deliveries in a row; the last: HTTP 503: unavailable",
        consecutive_failures: 20,
      })),
    });
  });
  await page.goto("/webhooks");
  const card = page.getByRole("article", { name: PUBLIC_URL });
  await expect(card.getByText("Disabled", { exact: true })).toBeVisible();
  await expect(card.getByText(/Disabled after 20 failed deliveries in a row; the last: HTTP 503/)).toBeVisible();

  await card.getByRole("button", { name: "Enable again" }).click();
  await expect(card.getByText("Enabled", { exact: true })).toBeVisible();
  await expect(card.getByRole("button", { name: "Enable again" })).toHaveCount(0);
});
