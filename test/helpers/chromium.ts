// Debian's Chromium, driven by playwright-core (no browser of its own is ever downloaded), for the
// tests and bench scripts that open the report page. Every request the page makes is recorded and
// anything but the page itself is aborted, so a page that tried to reach the network would show it.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--no-first-run",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

export const hasChromium = () => existsSync(CHROMIUM);
export const NO_CHROMIUM = `${CHROMIUM} is absent: install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does)`;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  url: string;
  /** Every request the page made, the page itself included. */
  requests: string[];
  /** Console errors and uncaught exceptions. */
  errors: string[];
}

/** Opens an HTML file from disk at 1280×800 and waits for the report's scripts to have rendered (html[data-ready]). */
export async function openReportPage(
  browser: Browser,
  file: string,
  options: { colorScheme?: "light" | "dark"; viewport?: { width: number; height: number } } = {},
): Promise<OpenedPage> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, colorScheme: options.colorScheme ?? "light", reducedMotion: "reduce" }); // no smooth scrolling: screenshots are taken where they were asked
  const requests: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", (route) => (route.request().url() === url ? route.continue() : route.abort()));
  const page = await context.newPage();
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(url, { waitUntil: "load" });
  await page.waitForSelector("html[data-ready='true']", { timeout: 10_000 });
  return { page, context, url, requests, errors };
}
