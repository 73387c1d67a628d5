// The account page (change the password, log out everywhere, delete the account) and the
// admin page (users, quotas, disabling, deleting, invites) in a real browser against a stack
// with an admin and sign-up by invite: each test is what a person does, found by the labels a
// screen reader would announce, and each page is checked for WCAG 2.1 AA problems.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { accessibilityProblems, browserStack, screenshot, watchCspViolations } from "./browser.mjs";

const ADMIN = "admin-e2e@example.com";
const PASSWORD = "a long enough password";
const stack = browserStack({ ADMIN_EMAILS: ADMIN, SIGNUP: "invite" });

const opened = [];

async function freshPage() {
  const context = await stack.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.base }).catch(() => {});
  const page = await context.newPage();
  page.on("pageerror", (error) => assert.fail(`script error on the page: ${error.message}`));
  opened.push(watchCspViolations(page));
  return page;
}

async function mainScreen(page, name) {
  await screenshot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility problems on ${name}`);
}

test.afterEach(() => {
  assert.deepEqual(opened.flat(), [], "the pages broke no Content-Security-Policy rule");
});

async function registerAt(page, url, email, password = PASSWORD) {
  await page.goto(url);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: "Log out", exact: true }).waitFor();
}

async function logIn(page, email, password) {
  await page.goto(`${stack.base}/login`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** The admin, registered on first use (an admin may always register), signed in on a new page. */
let adminRegistered = false;
async function adminPage() {
  const page = await freshPage();
  if (!adminRegistered) {
    await registerAt(page, `${stack.base}/register`, ADMIN);
    adminRegistered = true;
  } else {
    await logIn(page, ADMIN, PASSWORD);
    await page.getByRole("button", { name: "Log out", exact: true }).waitFor();
  }
  await page.getByRole("link", { name: "Admin" }).click();
  await page.getByRole("heading", { name: "Admin", level: 1 }).waitFor();
  return page;
}

/** Creates an invite on the admin page; returns its link, shown once. */
async function invite(admin) {
  await admin.getByRole("button", { name: "Create invite" }).click();
  const link = admin.getByLabel("Invite link");
  await link.waitFor();
  return link.inputValue();
}

test("an admin invites someone, who registers through the link; others get no admin page", async () => {
  const admin = await adminPage();
  const url = await invite(admin);
  assert.match(url, /\/register\?invite=[A-Za-z0-9_-]{43}$/);
  await admin.getByRole("list", { name: "Invites" }).getByRole("listitem").first().waitFor();
  await mainScreen(admin, "admin-invites");

  const guest = await freshPage();
  const email = `guest-${randomBytes(5).toString("hex")}@example.com`;
  await registerAt(guest, url, email);
  assert.equal(await guest.getByRole("link", { name: "Admin" }).count(), 0, "no admin link for a user");
  await guest.goto(`${stack.base}/admin`);
  await guest.getByRole("heading", { name: "Page not found" }).waitFor();

  // The invite is spent: the same link registers nobody else.
  const second = await freshPage();
  await second.goto(url);
  await second.getByLabel("Email").fill(`other-${randomBytes(5).toString("hex")}@example.com`);
  await second.getByLabel("Password").fill(PASSWORD);
  await second.getByRole("button", { name: "Create account" }).click();
  await second.getByRole("alert").filter({ hasText: "invite" }).waitFor();
});

test("an admin finds a user, sets their quota, disables, enables and deletes them", async () => {
  const admin = await adminPage();
  const guest = await freshPage();
  const email = `quota-${randomBytes(5).toString("hex")}@example.com`;
  await registerAt(guest, await invite(admin), email);

  await admin.getByLabel("Search users by email").fill(email);
  await admin.getByRole("button", { name: "Search", exact: true }).click();
  const row = admin.getByRole("listitem", { name: email });
  await row.waitFor();
  await row.getByLabel(`Quota of ${email} in GB`).fill("1");
  await row.getByRole("button", { name: "Set quota" }).click();
  await row.getByText(/of 1(\.0)? GB/).waitFor();
  await mainScreen(admin, "admin-users");
  await guest.reload();
  await guest.getByText(/of 1(\.0)? GB used/).waitFor();

  await row.getByRole("button", { name: `Disable ${email}` }).click();
  await row.getByText("Disabled", { exact: true }).waitFor();
  const refused = await freshPage();
  await logIn(refused, email, PASSWORD);
  await refused.getByRole("alert").filter({ hasText: "disabled" }).waitFor();
  await row.getByRole("button", { name: `Enable ${email}` }).click();
  await row.getByRole("button", { name: `Disable ${email}` }).waitFor();

  await row.getByRole("button", { name: `Delete ${email}` }).click();
  await row.getByRole("button", { name: `Yes, delete ${email} and all their files` }).click();
  await row.waitFor({ state: "detached" });
  const gone = await freshPage();
  await logIn(gone, email, PASSWORD);
  await gone.getByRole("alert").filter({ hasText: "wrong" }).waitFor();
});

test("a person changes their password, logs out everywhere and deletes their account", async () => {
  const admin = await adminPage();
  const page = await freshPage();
  const email = `self-${randomBytes(5).toString("hex")}@example.com`;
  await registerAt(page, await invite(admin), email);
  const elsewhere = await freshPage();
  await logIn(elsewhere, email, PASSWORD);
  await elsewhere.getByRole("button", { name: "Log out", exact: true }).waitFor();

  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("heading", { name: "Your account", level: 1 }).waitFor();
  await mainScreen(page, "account");

  const newPassword = "a brand new password";
  await page.getByLabel("Current password").fill(PASSWORD);
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Change password" }).click();
  await page.getByText("Your password was changed.").waitFor();
  // This page goes on (with a new session); the other device is logged out.
  await page.reload();
  await page.getByRole("heading", { name: "Your account", level: 1 }).waitFor();
  await elsewhere.reload();
  await elsewhere.getByRole("button", { name: "Log in" }).waitFor();

  await page.getByRole("button", { name: "Log out everywhere" }).click();
  await page.getByText("You have logged out on every device.").waitFor();
  await logIn(page, email, newPassword);
  await page.getByRole("button", { name: "Log out", exact: true }).waitFor();

  await page.goto(`${stack.base}/account`);
  const remove = page.getByRole("button", { name: "Delete my account" });
  assert.equal(await remove.isDisabled(), true, "nothing is deleted before the email is typed");
  await page.getByLabel(`Type ${email} to confirm`).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(newPassword);
  await remove.click();
  await page.getByText("Your account and all of its files have been deleted.").waitFor();
  await logIn(page, email, newPassword);
  await page.getByRole("alert").filter({ hasText: "wrong" }).waitFor();
});
