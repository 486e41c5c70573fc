/**
 * Screenshots of the report page at 1280×800 in headless Chromium, to look
 * at what a user sees: the top of the page in light and dark mode, the case
 * list with a diff open, and the whole page. The page is built from
 * synthetic runs (bench/report-fixture.ts), or any built page is given.
 * Written to tmp/ (git-ignored), never committed.
 *
 *   npx tsx bench/report-screenshot.ts [--page FILE.html] [--out tmp/report-screenshots] [--cases 200] [--models 4]
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildReportPage } from "../lib/benchmark/report-page/page.js";
import { writeReportPage } from "../lib/benchmark/report-page/render.js";
import { NO_CHROMIUM, hasChromium, launchChromium, openReportPage } from "../test/helpers/chromium.js";
import { syntheticReport } from "./report-fixture.js";

const { values } = parseArgs({
  options: { page: { type: "string" }, out: { type: "string", default: "tmp/report-screenshots" }, cases: { type: "string", default: "200" }, models: { type: "string", default: "4" } },
});
if (!hasChromium()) {
  console.error(NO_CHROMIUM);
  process.exit(1);
}
const out = resolve(values.out);
let file = values.page ? resolve(values.page) : join(out, "report.html");
if (!values.page) await writeReportPage(file, buildReportPage(await syntheticReport(Number(values.cases), Number(values.models))));

const browser = await launchChromium();
const written: string[] = [];
try {
  for (const colorScheme of ["light", "dark"] as const) {
    const { page, context, errors } = await openReportPage(browser, file, { colorScheme });
    const shot = join(out, `report-${colorScheme}.png`);
    await page.screenshot({ path: shot });
    written.push(shot);
    if (colorScheme === "light") {
      await page.locator("#confusion").evaluate((section) => section.scrollIntoView());
      written.push(join(out, "report-confusion.png"));
      await page.screenshot({ path: written.at(-1) });
      await page.locator("#cases").evaluate((section) => section.scrollIntoView());
      await page.click(".case details.diff summary");
      written.push(join(out, "report-cases.png"));
      await page.screenshot({ path: written.at(-1) });
      written.push(join(out, "report-full.png"));
      await page.screenshot({ path: written.at(-1), fullPage: true });
    }
    if (errors.length) console.error(`console errors (${colorScheme}): ${errors.join("; ")}`);
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(`page ${file}\n${written.map((w) => `wrote ${w}`).join("\n")}`);
