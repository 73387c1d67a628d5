// A file's expiry, set and cleared from the app: the row says when it goes, and the API agrees.
import { test } from "node:test";
import assert from "node:assert/strict";
import { accessibilityProblems, browserStack, signUp, watchCspViolations } from "./browser.mjs";

const stack = browserStack();

/** The file's `expires_at` as the API reports it, read with the app's own session. */
const expiresAt = (page, name) =>
  page.evaluate(async (name) => {
    const list = await (await fetch(`/files?${new URLSearchParams({ q: name })}`)).json();
    return list.items[0].expires_at;
  }, name);

test("a person sets when a file expires, sees it on its row, and takes it back", async () => {
  const context = await stack.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const csp = watchCspViolations(page);
  page.on("pageerror", (error) => assert.fail(`script error on the page: ${error.message}`));
  await signUp(page, stack.base);
  await page.evaluate(async () => {
    const answer = await fetch("/files/upload?name=notes.txt", {
      method: "POST",
      headers: { "x-edgedrop-csrf": "1", "content-type": "text/plain" },
      body: "notes",
    });
    if (answer.status !== 201) throw new Error(await answer.text());
  });
  await page.reload();

  await page.getByRole("button", { name: "Expiry of notes.txt" }).click();
  const dialog = page.getByRole("dialog", { name: "Expiry of notes.txt" });
  await dialog.getByText("It never expires.").waitFor();
  assert.deepEqual(await accessibilityProblems(page), []);
  await dialog.getByLabel("Delete it").selectOption({ label: "In 7 days" });
  await dialog.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "“notes.txt” expires" }).waitFor();
  await page.getByRole("row", { name: /notes\.txt · expires/ }).waitFor();
  const at = Date.parse(await expiresAt(page, "notes.txt"));
  const week = 7 * 86_400_000;
  assert.ok(Math.abs(at - (Date.now() + week)) < 10 * 60_000, new Date(at).toISOString());

  await page.getByRole("button", { name: "Expiry of notes.txt" }).click();
  await dialog.getByText(/^It expires /).waitFor();
  await dialog.getByLabel("Delete it").selectOption({ label: "Never" });
  await dialog.getByRole("button", { name: "Save" }).click();
  await page.getByRole("status").filter({ hasText: "“notes.txt” no longer expires." }).waitFor();
  assert.equal(await page.getByText(/· expires/).count(), 0);
  assert.equal(await expiresAt(page, "notes.txt"), null);
  assert.deepEqual(csp, []);
  await context.close();
});
