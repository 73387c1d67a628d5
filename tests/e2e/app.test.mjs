// The web app in a real browser (Debian's Chromium) against the real stack: each test is
// what a person does, found by the labels a screen reader would announce.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { accessibilityProblems, browserStack, screenshot, watchCspViolations } from "./browser.mjs";

const MIB = 1024 * 1024;
// Direct uploads from 5 MiB on, so a 20 MiB file goes in three 8 MiB-or-less parts.
const stack = browserStack({ MULTIPART_THRESHOLD_BYTES: String(5 * MIB) });
const files = mkdtempSync(path.join(os.tmpdir(), "edgedrop-e2e-files-"));

after(() => rmSync(files, { recursive: true, force: true }));

/** A file of random bytes on disk, for the file picker. */
function randomFile(name, size) {
  const file = path.join(files, name);
  writeFileSync(file, randomBytes(size));
  return file;
}

/** Every page opened, with the CSP violations it reported: none are allowed. */
const opened = [];

/** A new browser profile (no cookies, no storage) on a page of the app. */
async function freshPage(viewport = { width: 1280, height: 860 }) {
  const context = await stack.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (error) => assert.fail(`script error on the page: ${error.message}`));
  opened.push(watchCspViolations(page));
  return page;
}

/** Saves a screenshot of a main screen and checks it for WCAG 2.1 AA problems. */
async function mainScreen(page, name) {
  await screenshot(page, name);
  assert.deepEqual(await accessibilityProblems(page), [], `accessibility problems on ${name}`);
}

test.afterEach(() => {
  assert.deepEqual(opened.flat(), [], "the pages broke no Content-Security-Policy rule");
});

async function register(page) {
  const email = `e2e-${randomBytes(6).toString("hex")}@example.com`;
  await page.goto(`${stack.base}/register`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
  return email;
}

/** The bytes a download link or button delivers. */
async function downloadedBytes(page, click) {
  const [download] = await Promise.all([page.waitForEvent("download"), click()]);
  return readFileSync(await download.path());
}

/** Every value the progress bar of `name` shows until its upload is done. */
async function watchProgress(page, name) {
  const bar = page.getByRole("progressbar", { name: `Upload progress of ${name}` });
  const seen = new Set();
  const item = page.getByRole("list", { name: "Uploads" }).getByRole("listitem").filter({ hasText: name });
  for (;;) {
    const value = await bar.getAttribute("value").catch(() => null);
    const max = await bar.getAttribute("max").catch(() => null);
    if (value !== null && max !== null) seen.add(Number(value) / Number(max));
    if (await item.getByText("Uploaded").isVisible().catch(() => false)) return seen;
    await page.waitForTimeout(25);
  }
}

test("a person uploads, finds, renames, shares behind a password, revokes and deletes", async () => {
  const page = await freshPage();
  await page.goto(`${stack.base}/`);
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  await mainScreen(page, "01-login");
  const email = await register(page);
  await assert.doesNotReject(page.getByText(email).first().waitFor());

  // Into a new folder, then two files at once through the picker: one small, one large.
  await page.getByRole("button", { name: "New folder" }).click();
  await page.getByLabel("Folder name").fill("Projects");
  await page.getByRole("button", { name: "Open folder" }).click();
  await page.waitForURL(/folder=%2FProjects/);
  const small = randomFile("notes.txt", 3000);
  const large = randomFile("dataset.bin", 20 * MIB + 12345);
  const direct = [];
  page.on("request", (r) => r.method() === "PUT" && r.url().includes("partNumber=") && direct.push(r.url()));
  await page.getByLabel("Choose files").setInputFiles([small, large]);
  const progress = await watchProgress(page, "dataset.bin");
  await page.getByRole("list", { name: "Uploads" }).getByRole("listitem").filter({ hasText: "notes.txt" }).getByText("Uploaded").waitFor();
  assert.ok([...progress].some((f) => f > 0 && f < 1), `the bar moved through partial values: ${[...progress]}`);
  assert.equal(new Set(direct.map((u) => new URL(u).searchParams.get("partNumber"))).size, 3, "three parts went straight to the bucket");
  await page.getByRole("button", { name: "Rename dataset.bin" }).waitFor();
  await mainScreen(page, "02-files");

  // Found by search from the root, and in its folder through the breadcrumbs.
  await page.getByRole("navigation", { name: "Breadcrumb" }).getByRole("link", { name: "All files" }).click();
  await page.getByRole("link", { name: "Projects" }).waitFor();
  await page.getByRole("searchbox", { name: "Search files" }).fill("datas");
  await page.getByRole("button", { name: "Rename dataset.bin" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Rename notes.txt" }).count(), 0, "search narrows the list");
  await page.getByRole("searchbox", { name: "Search files" }).fill("");
  await page.getByRole("link", { name: "Projects" }).click();
  await page.getByRole("button", { name: "Rename notes.txt" }).waitFor();

  // Rename.
  await page.getByRole("button", { name: "Rename dataset.bin" }).click();
  await page.getByLabel("New name").fill("measurements.bin");
  await page.getByRole("button", { name: "Rename", exact: true }).click();
  await page.getByRole("button", { name: "Share measurements.bin" }).waitFor();

  // The owner's own download has the same bytes.
  const own = await downloadedBytes(page, () => page.getByRole("link", { name: "Download notes.txt" }).click());
  assert.deepEqual(own, readFileSync(small));

  // Share with a password and a download limit; the link is shown once, to copy.
  await page.getByRole("button", { name: "Share measurements.bin" }).click();
  const dialog = page.getByRole("dialog", { name: "Share measurements.bin" });
  await dialog.getByLabel("Expires").selectOption({ label: "In 7 days" });
  await dialog.getByLabel("Download limit").fill("5");
  await dialog.getByLabel("Password (optional)").fill("open sesame please");
  await dialog.getByRole("button", { name: "Create link" }).click();
  const link = await dialog.getByLabel("Share link").inputValue();
  assert.match(link, new RegExp(`^${stack.base}/share/[A-Za-z0-9_-]{20,}$`));
  await dialog.getByRole("button", { name: "Copy link" }).click();
  await mainScreen(page, "03-share-dialog");

  // A stranger opens it in a browser of their own: the page shows nothing of the file
  // before the password. They give it and download.
  const stranger = await freshPage({ width: 390, height: 800 });
  await stranger.goto(link);
  await stranger.getByRole("heading", { name: "Protected file" }).waitFor();
  assert.doesNotMatch(await stranger.content(), /measurements/, "no name before the password");
  await mainScreen(stranger, "04-share-page-phone");
  await stranger.getByLabel(/Password/).fill("wrong password!");
  await stranger.getByRole("button", { name: "Download" }).click();
  await stranger.getByRole("alert").filter({ hasText: "Wrong password" }).waitFor();
  await stranger.getByLabel(/Password/).fill("open sesame please");
  const shared = await downloadedBytes(stranger, () => stranger.getByRole("button", { name: "Download" }).click());
  assert.deepEqual(shared, readFileSync(large), "the shared download has the uploaded bytes");

  // The owner sees the download counted and who came, then revokes the link.
  await dialog.getByRole("button", { name: "Close" }).click();
  await page.getByRole("button", { name: "Share measurements.bin" }).click();
  await dialog.getByText("1 download").waitFor();
  await dialog.getByRole("button", { name: "Access log of link 1" }).click();
  await page.getByText(/wrong password|bad_password/i).first().waitFor();
  await mainScreen(page, "05-access-log");
  await page.getByRole("button", { name: "Revoke link 1" }).click();
  await page.getByRole("button", { name: "Revoke", exact: true }).click();
  await dialog.getByRole("button", { name: "Revoke link 1" }).waitFor({ state: "detached" });
  await dialog.getByRole("button", { name: "Close" }).click();

  const gone = await stranger.goto(link);
  assert.equal(gone.status(), 404);
  await stranger.getByRole("heading", { name: "Link not found" }).waitFor();

  // Delete, after confirming.
  await page.getByRole("button", { name: "Delete measurements.bin" }).click();
  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("button", { name: "Delete measurements.bin" }).waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Rename notes.txt" }).waitFor();

  // Log out: the API no longer knows this browser.
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("heading", { name: "Log in" }).waitFor();
  const me = await page.evaluate(async () => (await fetch("/auth/me")).status);
  assert.equal(me, 401);
  await stranger.context().close();
  await page.context().close();
});

test("an upload cut off by leaving the page resumes without sending its stored parts again", async () => {
  const page = await freshPage();
  await register(page);
  const file = randomFile("backup.tar", 17 * MIB);
  // Part 1 reaches the bucket; parts 2 and 3 hang, as on a connection that drops.
  let firstPartDone;
  const firstPartStored = new Promise((resolve) => (firstPartDone = resolve));
  await page.route(/partNumber=/, async (route) => {
    if (new URL(route.request().url()).searchParams.get("partNumber") === "1") {
      await route.continue();
      firstPartDone();
    }
  });
  await page.getByLabel("Choose files").setInputFiles(file);
  await firstPartStored;
  // Give the app a moment to record the part's ETag before the page goes away.
  await page.waitForFunction(() => Object.keys(localStorage).some((k) => localStorage.getItem(k)?.includes("etag")));
  // Leaving the page drops the hanging parts, as closing a laptop would; then come back.
  await page.goto("about:blank");
  await page.unrouteAll({ behavior: "ignoreErrors" });
  await page.goto(`${stack.base}/`);

  const sent = [];
  page.on("request", (r) => r.method() === "PUT" && r.url().includes("partNumber=") && sent.push(r.url()));
  await page.getByRole("button", { name: "Resume backup.tar" }).click();
  await screenshot(page, "06-resume");
  await page.getByLabel("Choose backup.tar again").setInputFiles(file);
  await page.getByRole("list", { name: "Uploads" }).getByRole("listitem").filter({ hasText: "backup.tar" }).getByText("Uploaded").waitFor();
  const parts = sent.map((u) => new URL(u).searchParams.get("partNumber")).sort();
  assert.deepEqual(parts, ["2", "3"], "only the parts the bucket did not have were sent");
  const bytes = await downloadedBytes(page, () => page.getByRole("link", { name: "Download backup.tar" }).click());
  assert.deepEqual(bytes, readFileSync(file));
  await page.context().close();
});

test("errors read as sentences, unknown pages are a 404 view, and a phone gets the same app", async () => {
  const page = await freshPage({ width: 360, height: 740 });
  await page.goto(`${stack.base}/login`);
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("alert").filter({ hasText: "The email or password is wrong." }).waitFor();

  const missing = await page.goto(`${stack.base}/no/such/page`);
  assert.equal(missing.status(), 404);
  await page.getByRole("heading", { name: "Page not found" }).waitFor();
  await mainScreen(page, "07-not-found-phone");

  await register(page);
  await page.getByText(/upload files here|No files yet/i).first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `nothing sticks out sideways on a 360 px screen (${overflow} px)`);
  await mainScreen(page, "08-empty-phone");

  // The keyboard alone reaches the upload button, with a visible focus ring.
  await page.keyboard.press("Tab");
  let focused = "";
  for (let i = 0; i < 15 && focused !== "Upload files"; i++) {
    focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    if (focused !== "Upload files") await page.keyboard.press("Tab");
  }
  assert.equal(focused, "Upload files");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none", "the focused control shows it");
  await page.context().close();
});

test("a person creates an access token for a script, sees it once, and revokes it", async () => {
  const page = await freshPage();
  await register(page);
  await page.getByRole("link", { name: "Account" }).click();
  await page.getByRole("heading", { name: "Access tokens" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/account");
  await page.getByLabel("Name", { exact: true }).fill("backup script");
  await page.getByLabel(/^Share links/).check();
  await page.getByRole("button", { name: "Create token" }).click();
  const secret = await page.getByLabel("New access token").inputValue();
  assert.match(secret, /^edp_[A-Za-z0-9_-]{87}$/);
  const row = page.getByRole("row").filter({ hasText: "backup script" });
  await row.waitFor();
  assert.match(await row.textContent(), /files:read, files:write, shares:write/);
  await mainScreen(page, "account-tokens");

  // The token works from a script, within its scopes only.
  const asScript = (path, init = {}) =>
    fetch(`${stack.base}${path}`, { ...init, headers: { Authorization: `Bearer ${secret}` } });
  assert.equal((await asScript("/files")).status, 200);
  assert.equal((await asScript("/auth/tokens")).status, 403);

  // Shown once: gone after "Done" and after a reload.
  await page.getByRole("button", { name: "Done" }).click();
  assert.equal(await page.getByLabel("New access token").count(), 0);
  await page.reload();
  await row.waitFor();
  assert.ok(!(await page.content()).includes(secret.slice(4)), "the secret is not shown again");

  page.once("dialog", (dialog) => void dialog.accept());
  await row.getByRole("button", { name: /^Revoke/ }).click();
  await page.getByText("No tokens yet.").waitFor();
  assert.equal((await asScript("/files")).status, 401);
});
