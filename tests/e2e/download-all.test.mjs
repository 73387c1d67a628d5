// "Download all" on a folder link's landing page: the browser builds one .zip of every file
// of the link from the bucket, streamed to disk through the page's service worker (the path
// browsers without the File System Access API take; the picker itself cannot be driven
// headless), counted as one download. The zip is opened and every file compared byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { accessibilityProblems, browserStack, signUp, watchCspViolations } from "./browser.mjs";

const stack = browserStack();

/** An account of its own, signed in through the API: its bearer headers. */
async function owner() {
  const credentials = { email: `e2e-${randomBytes(6).toString("hex")}@example.com`, password: "a long enough password" };
  const post = (route, body) =>
    fetch(`${stack.base}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  assert.equal((await post("/auth/register", credentials)).status, 201);
  const { access_token } = await (await post("/auth/login", credentials)).json();
  return { authorization: `Bearer ${access_token}` };
}

async function upload(auth, name, folder, bytes) {
  const query = new URLSearchParams({ name, folder });
  const answer = await fetch(`${stack.base}/files/upload?${query}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/octet-stream" },
    body: bytes,
  });
  assert.equal(answer.status, 201, await answer.text());
}

/** `{path: sha256}` of every file in the zip at `file`, read by Python's zipfile (which checks each CRC). */
function zipContents(file) {
  const script =
    "import hashlib, json, sys, zipfile\n" +
    "z = zipfile.ZipFile(sys.argv[1])\n" +
    "assert z.testzip() is None\n" +
    "print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))";
  return JSON.parse(execFileSync("python3", ["-c", script, file], { encoding: "utf8" }));
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

test("download all: one zip of the folder link, built in the browser, counted once", async () => {
  const auth = await owner();
  const files = {
    "album/a.txt": randomBytes(1000),
    "album/day 2/big.bin": randomBytes(3 * 1024 * 1024 + 17),
    "album/c.txt": Buffer.from("the same name twice is fine in different folders"),
    "album/day 2/c.txt": randomBytes(10),
  };
  for (const [where, bytes] of Object.entries(files)) {
    const at = where.lastIndexOf("/");
    await upload(auth, where.slice(at + 1), `/${where.slice(0, at)}`, bytes);
  }
  await upload(auth, "outside.txt", "/albums", Buffer.from("not in the link"));
  const created = await fetch(`${stack.base}/shares`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ folder: "/album", max_downloads: 5 }),
  });
  assert.equal(created.status, 201);
  const share = await created.json();

  const context = await stack.newContext({ acceptDownloads: true });
  // The service-worker path: the File System Access picker cannot be answered headless.
  await context.addInitScript(() => {
    delete Window.prototype.showSaveFilePicker;
    delete window.showSaveFilePicker;
  });
  const page = await context.newPage();
  const csp = watchCspViolations(page);
  page.on("pageerror", (error) => assert.fail(`script error on the page: ${error.message}`));
  await page.goto(`${stack.base}/share/${share.token}`);
  await page.getByRole("heading", { name: "album" }).waitFor();
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 60_000 }),
    page.getByRole("button", { name: "Download all (.zip)" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), "album.zip");
  const dir = mkdtempSync(path.join(os.tmpdir(), "edgedrop-zip-"));
  try {
    const zip = path.join(dir, "album.zip");
    await download.saveAs(zip);
    const expected = Object.fromEntries(Object.entries(files).map(([where, bytes]) => [where, sha256(bytes)]));
    assert.deepEqual(zipContents(zip), expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await page.getByText("Done: 4 files in album.zip.").waitFor();
  const bar = await page.getByRole("progressbar", { name: "Download all" }).evaluate((p) => [p.value, p.max]);
  assert.deepEqual(bar, [bar[1], Object.values(files).reduce((sum, bytes) => sum + bytes.length, 0)], "the bar is full");
  const links = await (await fetch(`${stack.base}/shares`, { headers: auth })).json();
  assert.equal(links.items[0].download_count, 1, "the whole zip is one download");
  assert.deepEqual(csp, []);
  await context.close();
});

/**
 * A new account signed in through the app, in a fresh browser profile, holding text files
 * (`[name, folder]`, each file's text its name), uploaded with the app's own session; and
 * the Content-Security-Policy violations its page reports.
 */
async function ownerWith(files) {
  const context = await stack.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const csp = watchCspViolations(page);
  page.on("pageerror", (error) => assert.fail(`script error on the page: ${error.message}`));
  await signUp(page, stack.base);
  await page.evaluate(async (files) => {
    for (const [name, folder] of files) {
      const answer = await fetch(`/files/upload?${new URLSearchParams({ name, folder })}`, {
        method: "POST",
        headers: { "x-edgedrop-csrf": "1", "content-type": "text/plain" },
        body: name,
      });
      if (answer.status !== 201) throw new Error(await answer.text());
    }
  }, files);
  return { context, page, csp };
}

test("the owner shares a folder from the app and a visitor gets its files' page", async () => {
  const { context, page, csp } = await ownerWith([
    ["beach.txt", "/trip"],
    ["map.txt", "/trip/day 1"],
    ["other.txt", "/"],
  ]);
  await page.goto(`${stack.base}/?folder=${encodeURIComponent("/trip")}`);
  await page.getByRole("button", { name: "Share folder" }).click();
  const dialog = page.getByRole("dialog", { name: "Share trip" });
  await dialog.getByRole("button", { name: "Create link" }).click();
  const url = await dialog.getByLabel("Share link").inputValue();
  assert.match(url, /\/share\/[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(csp, []);

  const visitor = await stack.newContext();
  const landing = await visitor.newPage();
  await landing.goto(url);
  await landing.getByRole("heading", { name: "trip" }).waitFor();
  const text = await landing.textContent("body");
  assert.ok(text.includes("beach.txt") && text.includes("map.txt") && !text.includes("other.txt"), text);
  await landing.getByRole("button", { name: "Download all (.zip)" }).waitFor();

  // The owner finds the link among all their links, changes it, and revokes it.
  await page.keyboard.press("Escape");
  await page.getByRole("link", { name: "Links" }).click();
  await page.getByRole("heading", { name: "Share links", level: 1 }).waitFor();
  const item = page.getByRole("listitem").filter({ hasText: "Folder: /trip" });
  await item.getByText("0 downloads").waitFor();
  assert.deepEqual(await accessibilityProblems(page), [], "accessibility problems on the links page");
  await item.getByRole("button", { name: "Edit link 1" }).click();
  await item.getByLabel("Download limit").fill("3");
  await item.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Link 1 updated.").waitFor();
  await item.getByText("0 downloads of 3 allowed").waitFor();
  await item.getByRole("button", { name: "Revoke link 1" }).click();
  await item.getByRole("button", { name: "Revoke", exact: true }).click();
  await page.getByText("Link 1 revoked.").waitFor();
  await page.getByText("No links yet.").waitFor();
  assert.equal((await fetch(url, { headers: { accept: "application/json" } })).status, 404, "the link is dead");
  assert.deepEqual(csp, []);
  await visitor.close();
  await context.close();
});

test("the owner ticks files and shares just those in one link", async () => {
  const { context, page, csp } = await ownerWith([
    ["one.txt", "/"],
    ["two.txt", "/"],
    ["three.txt", "/"],
  ]);
  await page.reload();
  const all = page.getByRole("checkbox", { name: "Select all files shown" });
  await all.check();
  await page.getByRole("button", { name: "Share 3 files" }).waitFor();
  await all.uncheck();
  await page.getByRole("button", { name: /^Share \d+ files?$/ }).waitFor({ state: "detached" });
  await page.getByRole("checkbox", { name: "Select one.txt" }).check();
  assert.equal(await all.evaluate((box) => box.indeterminate), true, "some ticked: neither all nor none");
  await page.getByRole("checkbox", { name: "Select three.txt" }).check();
  await page.getByRole("button", { name: "Share 2 files" }).click();
  const dialog = page.getByRole("dialog", { name: "Share 2 files" });
  await dialog.getByRole("button", { name: "Create link" }).click();
  const url = await dialog.getByLabel("Share link").inputValue();
  assert.deepEqual(csp, []);

  const visitor = await stack.newContext();
  const landing = await visitor.newPage();
  await landing.goto(url);
  await landing.getByRole("heading", { name: "2 files" }).waitFor();
  const text = await landing.textContent("body");
  assert.ok(text.includes("one.txt") && text.includes("three.txt") && !text.includes("two.txt"), text);
  await visitor.close();
  await context.close();
});
