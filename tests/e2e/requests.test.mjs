// Upload requests in a real browser (Debian's Chromium) against the real stack: an owner
// makes an upload link, a guest with no account sends files through it (a small one through
// the Worker, a large one straight to the bucket in parts), and they land in the owner's folder.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { accessibilityProblems, browserStack, screenshot, watchCspViolations } from "./browser.mjs";

const MIB = 1024 * 1024;
const stack = browserStack({ MULTIPART_THRESHOLD_BYTES: String(5 * MIB) });
const files = mkdtempSync(path.join(os.tmpdir(), "edgedrop-e2e-requests-"));

after(() => rmSync(files, { recursive: true, force: true }));

function randomFile(name, size) {
  const file = path.join(files, name);
  writeFileSync(file, randomBytes(size));
  return file;
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

const opened = [];

async function freshPage() {
  const context = await stack.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => assert.fail(`script error on the page: ${error.message}`));
  opened.push(watchCspViolations(page));
  return page;
}

test.afterEach(() => {
  assert.deepEqual(opened.flat(), [], "the pages broke no Content-Security-Policy rule");
});

test("a guest sends files through an upload link and they land in the owner's folder", async () => {
  const owner = await freshPage();
  await owner.goto(`${stack.base}/register`);
  await owner.getByLabel("Email").fill(`e2e-${randomBytes(6).toString("hex")}@example.com`);
  await owner.getByLabel("Password").fill("a long enough password");
  await owner.getByRole("button", { name: "Create account" }).click();
  await owner.getByRole("link", { name: "Upload requests" }).click();
  await owner.getByRole("heading", { name: "Upload requests", level: 1 }).waitFor();

  await owner.getByLabel("Folder").fill("/inbox");
  await owner.getByLabel("Note for the people sending (optional)").fill("The scans for the audit, please.");
  await owner.getByLabel("Most files").fill("3");
  await owner.getByRole("button", { name: "Create upload link" }).click();
  const link = await owner.getByLabel("Upload link").inputValue();
  assert.match(link, /\/request\/[A-Za-z0-9_-]{43}$/);
  await owner.getByText("0 files received").waitFor();
  await screenshot(owner, "requests-01-owner");
  assert.deepEqual(await accessibilityProblems(owner), [], "accessibility problems on the requests page");

  // The guest: no account, a fresh browser.
  const guest = await freshPage();
  await guest.goto(link);
  await guest.getByRole("heading", { name: "Send files" }).waitFor();
  await guest.getByText("The scans for the audit, please.").waitFor();
  await guest.getByText("Takes up to 3 more files").waitFor();
  const small = randomFile("scan.txt", 4000);
  const large = randomFile("scan.bin", 12 * MIB + 777);
  const parts = [];
  guest.on("request", (r) => r.method() === "PUT" && r.url().includes("partNumber=") && parts.push(r.url()));
  await guest.getByLabel("Choose files").setInputFiles([small, large]);
  const uploads = guest.getByRole("list", { name: "Uploads" });
  for (const name of ["scan.txt", "scan.bin"]) {
    await uploads.getByRole("listitem").filter({ hasText: name }).getByText("Uploaded").waitFor({ timeout: 120_000 });
  }
  assert.ok(parts.length >= 2, "the large file went straight to the bucket in parts");
  await guest.getByText("Takes up to 1 more file").waitFor();
  await screenshot(guest, "requests-02-guest");
  assert.deepEqual(await accessibilityProblems(guest), [], "accessibility problems on the guest page");
  // The guest's browser holds no session: the owner's files are not theirs to list.
  const listing = await guest.evaluate(async () => (await fetch("/files?folder=/inbox")).status);
  assert.equal(listing, 401);

  // The owner finds both, with the guest's bytes.
  const found = await owner.evaluate(async () => (await (await fetch("/files?folder=/inbox")).json()).items);
  assert.deepEqual(found.map((f) => f.name).sort(), ["scan.bin", "scan.txt"]);
  for (const file of found) {
    const local = readFileSync(file.name === "scan.txt" ? small : large);
    const remote = await owner.evaluate(async (id) => {
      const { url } = await (await fetch(`/files/${id}/download`)).json();
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      const digest = await crypto.subtle.digest("SHA-256", bytes);
      return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
    }, file.id);
    assert.equal(remote, sha256(local), `${file.name} arrived whole`);
  }
  await owner.reload();
  // A reload of the page itself (the API's /requests is another address).
  await owner.getByText("2 files received").waitFor();

  // The owner changes the note and adds a password; the guest's page says so at once.
  await owner.getByRole("button", { name: "Edit the request into /inbox" }).click();
  const edit = owner.locator("form").filter({ has: owner.getByRole("button", { name: "Save changes" }) });
  await edit.getByLabel("Note for the people sending (optional)").fill("Only the signed scans now.");
  await edit.getByLabel("Password (optional)").fill("a shared secret");
  assert.deepEqual(await accessibilityProblems(owner), [], "accessibility problems while editing a request");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await owner.getByText("Only the signed scans now.").waitFor();
  await owner.getByText(/· password/).waitFor();
  const opened = await guest.evaluate(async (at) => (await fetch(at, { headers: { accept: "application/json" } })).status, link);
  assert.equal(opened, 401, "the link now asks for its password");
  await owner.getByRole("button", { name: "Edit the request into /inbox" }).click();
  await edit.getByLabel("Remove the password").check();
  await edit.getByRole("button", { name: "Save changes" }).click();
  await edit.waitFor({ state: "detached" });
  const reopened = await guest.evaluate(async (at) => (await fetch(at, { headers: { accept: "application/json" } })).status, link);
  assert.equal(reopened, 200, "the password is gone");

  // Revoked, the link is dead at once.
  await owner.getByRole("button", { name: "Revoke the request into /inbox" }).click();
  await owner.getByText("No upload requests yet.").waitFor();
  await guest.reload();
  await guest.getByText("This upload link does not exist or was revoked.").waitFor();
});
