// Regenerates docs/screenshot.png, the README's picture of the web app: a fresh account
// with a few folders and files, against a running `make dev` (BASE to point elsewhere).
//   node scripts/readme-screenshot.mjs
import { randomBytes } from "node:crypto";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser } from "../tests/e2e/browser.mjs";

const base = process.env.BASE ?? "http://localhost:8787";
const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../docs/screenshot.png");
const email = `ada-${randomBytes(3).toString("hex")}@example.com`;

const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1200, height: 720 }, deviceScaleFactor: 1 });
await page.goto(`${base}/register`);
await page.getByLabel("Email").fill(email);
await page.getByLabel("Password").fill("correct horse battery staple");
await page.getByRole("button", { name: "Create account" }).click();
await page.getByRole("button", { name: "Log out" }).waitFor();

// The app's own API calls, with its session cookie and CSRF header.
const upload = (name, folder, size, type) =>
  page.evaluate(
    async ({ name, folder, size, type }) => {
      const query = new URLSearchParams({ name, folder });
      const answer = await fetch(`/files/upload?${query}`, {
        method: "POST",
        headers: { "x-edgedrop-csrf": "1", "content-type": type },
        body: new Uint8Array(size),
      });
      if (!answer.ok) throw new Error(await answer.text());
    },
    { name, folder, size, type },
  );
await upload("Q3 board deck.pdf", "/Work/Reports", 2_400_000, "application/pdf");
await upload("holiday-2026.jpg", "/Photos", 4_100_000, "image/jpeg");
await upload("contract-signed.pdf", "/Work", 310_000, "application/pdf");
await upload("budget.xlsx", "/", 88_000, "application/vnd.ms-excel");
await upload("team-offsite.mov", "/", 38_500_000, "video/quicktime");
await upload("README.txt", "/", 1_200, "text/plain");
await page.reload();
await page.getByRole("button", { name: "Share README.txt" }).waitFor();
await page.screenshot({ path: out });
await browser.close();
console.log(`wrote ${out}`);
