/**
 * The report page at scale: builds it for synthetic runs (default 1,000
 * cases × 4 models, bench/report-fixture.ts), prints its size and how long
 * it takes to build, then opens it from disk in headless Chromium several
 * times and prints the load figures: DOMContentLoaded, load, and "ready"
 * (the first page of cases rendered), plus how long a text search takes.
 *
 *   npx tsx bench/report-page.ts [--cases 1000] [--models 4] [--loads 5]
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildReportPage } from "../lib/benchmark/report-page/page.js";
import { embedJson, writeReportPage } from "../lib/benchmark/report-page/render.js";
import { CHROMIUM, hasChromium, launchChromium, openReportPage } from "../test/helpers/chromium.js";
import { syntheticReport } from "./report-fixture.js";

const { values } = parseArgs({ options: { cases: { type: "string", default: "1000" }, models: { type: "string", default: "4" }, loads: { type: "string", default: "5" } } });
const caseCount = Number(values.cases);
const modelCount = Number(values.models);
const file = resolve(import.meta.dirname, "../tmp/report-bench/report.html");

let started = performance.now();
const input = await syntheticReport(caseCount, modelCount);
const scored = performance.now() - started;
started = performance.now();
const page = buildReportPage(input);
const bytes = await writeReportPage(file, page);
const built = performance.now() - started;
const diffBytes = input.cases.reduce((sum, c) => sum + Buffer.byteLength(c.diff), 0);

console.log(`${caseCount} cases × ${modelCount} models → ${file}`);
console.log(`  synthetic runs scored by the real metrics: ${(scored / 1000).toFixed(1)} s`);
console.log(`  page built and written (bootstrap ${input.bootstrap.iterations} × ${modelCount - 1} comparisons): ${(built / 1000).toFixed(1)} s`);
console.log(`  page size: ${(bytes / 1e6).toFixed(2)} MB (diffs ${(diffBytes / 1e6).toFixed(2)} MB, case data JSON ${(Buffer.byteLength(embedJson(page.cases)) / 1e6).toFixed(2)} MB)`);

if (!hasChromium()) {
  console.log(`  no load times: ${CHROMIUM} is absent (apt-get install -y chromium)`);
  process.exit(0);
}
const browser = await launchChromium();
const loads: Array<{ dcl: number; load: number; ready: number }> = [];
let search = 0;
try {
  for (let i = 0; i < Number(values.loads); i += 1) {
    const opened = await openReportPage(browser, file);
    if (opened.errors.length) throw new Error(`console errors: ${opened.errors.join("; ")}`);
    // Evaluated in the page (a string: this project's types have no DOM).
    loads.push(
      await opened.page.evaluate<{ dcl: number; load: number; ready: number }>(`(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        return { dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, ready: performance.getEntriesByName("report-ready")[0].startTime };
      })()`),
    );
    if (i === 0) {
      const before = Date.now();
      await opened.page.fill("#filter-search", "hydration");
      await opened.page.waitForFunction(`document.querySelector("#match-count").dataset.count !== "${caseCount}"`);
      search = Date.now() - before; // includes the 150 ms typing debounce
    }
    await opened.context.close();
  }
} finally {
  await browser.close();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const row = (label: string, xs: number[]) => console.log(`  ${label.padEnd(34)} median ${median(xs).toFixed(0).padStart(5)} ms, max ${Math.max(...xs).toFixed(0).padStart(5)} ms`);
console.log(`Chromium, file://, 1280×800, ${loads.length} cold loads (fresh context each):`);
row("DOMContentLoaded", loads.map((l) => l.dcl));
row("ready (first page of cases drawn)", loads.map((l) => l.ready));
row("load event", loads.map((l) => l.load));
console.log(`  text search over all cases: ${search} ms (with the 150 ms debounce)`);
console.log(`  (the page: ${join("tmp/report-bench", "report.html")})`);
