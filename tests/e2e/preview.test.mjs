// Previews in the browser: the app offers a Preview for the types the API serves inline; it
// shows the file in a dialog from the bucket (which the CSP allows for media, and nothing
// else), and in a new tab, shown by the browser rather than saved.
import { test } from "node:test";
import assert from "node:assert/strict";
import { browserStack, signUp, watchCspViolations } from "./browser.mjs";

const stack = browserStack();

/** A 1×1 PNG. */
const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

/** Uploads `base64` bytes of `type` through the app's own session, as the app does. */
function upload(page, name, type, base64) {
  return page.evaluate(
    async ({ name, type, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const answer = await fetch(`/files/upload?${new URLSearchParams({ name })}`, {
        method: "POST",
        headers: { "x-edgedrop-csrf": "1", "content-type": type },
        body: bytes,
      });
      if (answer.status !== 201) throw new Error(await answer.text());
    },
    { name, type, base64 },
  );
}

test("an image previews in the app and in a new tab; other files offer no preview", async () => {
  const context = await stack.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const csp = watchCspViolations(page);
  page.on("pageerror", (error) => assert.fail(`script error on the page: ${error.message}`));
  await signUp(page, stack.base);
  await upload(page, "pixel.png", "image/png", PIXEL);
  await upload(page, "data.bin", "application/octet-stream", PIXEL);
  await page.reload();
  await page.getByRole("button", { name: "Preview pixel.png" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Preview data.bin" }).count(), 0, "nothing to show");

  await page.getByRole("button", { name: "Preview pixel.png" }).click();
  const dialog = page.getByRole("dialog", { name: "Preview pixel.png" });
  const image = dialog.getByRole("img", { name: "pixel.png" });
  await image.waitFor();
  await page.waitForFunction(() => document.querySelector(".preview-media")?.complete);
  assert.equal(await image.evaluate((img) => img.naturalWidth), 1, "the image loaded from the bucket");
  assert.match(await image.getAttribute("src"), /response-content-disposition=inline/);

  const [preview] = await Promise.all([
    context.waitForEvent("page"),
    dialog.getByRole("link", { name: "Open in a new tab" }).click(),
  ]);
  await preview.waitForLoadState();
  assert.match(preview.url(), /response-content-disposition=inline/, preview.url());
  assert.equal(await preview.evaluate(() => document.contentType), "image/png", "shown as an image, not saved");
  assert.equal(await preview.evaluate(() => document.images[0]?.naturalWidth), 1);
  assert.deepEqual(csp, []);
  await context.close();
});
