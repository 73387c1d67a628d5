// Browsing a drive with many files, in the browser: load more on scroll, sort, move into a
// new folder, and change a link after sharing it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { browserStack, watchCspViolations } from "./browser.mjs";

const stack = browserStack();

/** Uploads through the app's own session (cookie and CSRF header), as the app does. */
function upload(page, name, folder, size) {
  return page.evaluate(
    async ({ name, folder, size }) => {
      const answer = await fetch(`/files/upload?${new URLSearchParams({ name, folder })}`, {
        method: "POST",
        headers: { "x-edgedrop-csrf": "1", "content-type": "application/octet-stream" },
        body: new Uint8Array(size),
      });
      if (answer.status !== 201) throw new Error(await answer.text());
    },
    { name, folder, size },
  );
}

const renameButtons = (page) => page.getByRole("button", { name: /^Rename / });

test("a drive with many files: scroll for more, sort, move into a new folder, change a link", async () => {
  const context = await stack.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const csp = watchCspViolations(page);
  page.on("pageerror", (error) => assert.fail(`script error on the page: ${error.message}`));
  await page.goto(`${stack.base}/register`);
  await page.getByLabel("Email").fill(`e2e-${randomBytes(6).toString("hex")}@example.com`);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();

  // 60 files, named so that name order and size order differ: file-00 is the largest.
  for (let n = 0; n < 60; n++) await upload(page, `file-${String(n).padStart(2, "0")}.txt`, "/", 100 - n);
  await page.reload();
  await renameButtons(page).first().waitFor();
  assert.equal(await renameButtons(page).count(), 50, "one page of 50 first");
  await page.getByRole("button", { name: "Load more" }).scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.querySelectorAll('button[aria-label^="Rename "]').length === 60);

  // Sorted by name, A to Z; then smallest first (file-59 has 41 bytes). The URL keeps it.
  await page.getByLabel("Sort by").selectOption({ label: "Name A–Z" });
  await page.waitForURL(/sort=name/);
  await page.waitForFunction(() => document.querySelector('button[aria-label^="Rename "]')?.getAttribute("aria-label") === "Rename file-00.txt");
  await page.getByLabel("Sort by").selectOption({ label: "Smallest first" });
  await page.waitForFunction(() => document.querySelector('button[aria-label^="Rename "]')?.getAttribute("aria-label") === "Rename file-59.txt");
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('button[aria-label^="Rename "]')?.getAttribute("aria-label") === "Rename file-00.txt");

  // Moving a file into a folder that does not exist yet creates it.
  await page.getByRole("button", { name: "Move file-07.txt" }).click();
  await page.getByLabel("Folder").fill("/Archive/2026");
  await page.getByRole("button", { name: "Move", exact: true }).click();
  await page.getByRole("button", { name: "Move file-07.txt" }).waitFor({ state: "detached" });
  await page.getByRole("link", { name: "Archive" }).click();
  await page.getByRole("link", { name: "2026" }).click();
  await page.getByRole("button", { name: "Rename file-07.txt" }).waitFor();
  const trail = await page.getByRole("navigation", { name: "Breadcrumb" }).innerText();
  assert.match(trail, /All files.*Archive.*2026/s);

  // Share it, then change the link: a limit of 2 instead of none, and a password.
  await page.getByRole("button", { name: "Share file-07.txt" }).click();
  const dialog = page.getByRole("dialog", { name: "Share file-07.txt" });
  await dialog.getByRole("button", { name: "Create link" }).click();
  const link = await dialog.getByLabel("Share link").inputValue();
  await dialog.getByRole("button", { name: "Edit link 1" }).click();
  await dialog.getByLabel("Download limit").fill("2");
  await dialog.getByLabel(/Password/).fill("a new link password");
  await dialog.getByRole("button", { name: "Save changes" }).click();
  await dialog.getByText(/0 downloads of 2 allowed/).waitFor();
  await dialog.getByText(/Password protected/).waitFor();
  const visit = await fetch(link, { headers: { accept: "application/json" } });
  assert.equal(visit.status, 401, "the link now asks for the password");
  assert.equal((await visit.json()).code, "share_password_required");

  assert.deepEqual(csp, [], "no Content-Security-Policy violations");
  await context.close();
});
