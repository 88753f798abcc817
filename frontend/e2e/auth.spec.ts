// Accounts: sign up, sign out, sign in again; a wrong password is refused with a message and no session.
import { expect, test } from "@playwright/test";
import { newPerson, screenshot, signIn, signUp } from "./helpers";

test("sign up, sign out, sign in; a wrong password shows an error", async ({ page }) => {
  const person = newPerson("Ada");

  await page.goto("/sign-up");
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await screenshot(page, "sign-up");
  await signUp(page, person);
  await expect(page.getByText("No tasks yet.")).toBeVisible();

  await page.getByRole("button", { name: /^Sign out/ }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  // Signed out for real: a page that needs a session sends us back to sign in (and returns there afterwards).
  await page.goto("/profile");
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fprofile$/);
  await screenshot(page, "sign-in");

  await signIn(page, { email: person.email, password: "not the password" });
  await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password" })).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in/);

  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/profile$/);
  await expect(page.getByRole("heading", { name: "Profile" })).toBeVisible();
  await expect(page.getByText(person.email, { exact: true })).toBeVisible();
});

test("signing up twice with one email is refused", async ({ page }) => {
  const person = newPerson("Grace");
  await signUp(page, person);
  await page.getByRole("button", { name: /^Sign out/ }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(person.name);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Create an account" }).click();
  await expect(page.getByText("An account with this email already exists. Sign in instead.")).toBeVisible();
  await expect(page).toHaveURL(/\/sign-up$/);
});
