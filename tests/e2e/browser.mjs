// Debian's Chromium, driven by playwright-core (no browser download): headless, without
// background networking (this machine's network is closed, and tests should not phone out).
import { chromium } from "playwright-core";
import { after, before } from "node:test";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startStack } from "./stack.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Where screenshots go: a test artifact, git-ignored. */
export const ARTIFACTS = path.join(root, "test-results/e2e");

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-default-apps",
    ],
  });
}

/**
 * A test file's own stack (Worker, D1, bucket; `vars` override the Worker's settings) and a
 * browser: started before its tests, stopped after them. Inside the tests, `base` is the
 * stack's address and `newContext(options)` opens a fresh browser profile.
 */
export function browserStack(vars = {}) {
  let stack;
  let browser;
  before(async () => {
    stack = await startStack(vars);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    stack?.stop();
  });
  return {
    get base() {
      return stack.base;
    },
    newContext: (options) => browser.newContext(options),
  };
}

/** Saves a full-page screenshot of `page` as test-results/e2e/<name>.png. */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * The WCAG 2.1 A/AA problems axe-core finds on the page as it is now, as readable lines
 * (empty when there are none). Evaluated through the DevTools protocol, so the page's
 * Content-Security-Policy stays in force for everything else.
 */
export async function accessibilityProblems(page) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  return violations;
}

/** Collects every Content-Security-Policy violation the page reports from now on. */
export function watchCspViolations(page) {
  const violations = [];
  page.on("console", (message) => {
    if (message.type() === "error" && /Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}

/** Registers a new account through the app's own page and waits until it is signed in. */
export async function signUp(page, base) {
  await page.goto(`${base}/register`);
  await page.getByLabel("Email").fill(`e2e-${randomBytes(6).toString("hex")}@example.com`);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
}
