import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOllamaGenerator } from "../../lib/benchmark/generators/ollama.js";
import { createReferenceGenerator } from "../../lib/benchmark/generators/reference.js";
import { buildReportPage } from "../../lib/benchmark/report-page/page.js";
import { renderReportPage } from "../../lib/benchmark/report-page/render.js";
import { type ReportSettings, writeBenchmarkPage } from "../../lib/benchmark/report-page/write.js";
import { type Run, executeRun } from "../../lib/benchmark/runs.js";
import type { Case } from "../../lib/core/records.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { type FakeOllama, promptOf, startFakeOllama } from "../fakes/ollama.ts";
import { NO_CHROMIUM, type OpenedPage, hasChromium, launchChromium, openReportPage } from "../helpers/chromium.js";
import { tempDir } from "../helpers/process.js";

// Twelve cases and what each model answers. The baseline's type is right on c3, c7 and c10, which are also
// its only commitlint-valid outputs (3 of 12); joco's type is right on all but c7 (a fix it calls feat: the one
// "joco wrong, baseline right"), and its format on all but c11 (an upper-case type, which still parses as fix).
const HOSTILE = "feat(ui): render </script><img src=x onerror=alert(1)> as text";
const SCRIPT: Array<{ expected: string; baseline: string; joco: string }> = [
  { expected: "feat(parser): add support for arrays", baseline: "Here is a commit message: Updated files.", joco: "feat(parser): add support for arrays" },
  { expected: "feat(api): add pagination to list endpoint", baseline: "Updated the api.", joco: "feat(api): add pagination" },
  { expected: "fix(cli): handle missing config file", baseline: "fix: handle missing config", joco: "fix(cli): handle missing config file" },
  { expected: "fix(router): restore hash mode fallback", baseline: "Changed router.", joco: "fix(router): restore hash fallback" },
  { expected: "docs: update install guide", baseline: "Here is the message: docs", joco: "docs: update install guide" },
  { expected: "chore(deps): bump vite to 5.2", baseline: "bump vite", joco: "chore(deps): bump vite" },
  { expected: "fix(core): avoid double render", baseline: "fix(core): avoid double render", joco: "feat(core): avoid a double render" },
  { expected: "feat(ui): add dark mode", baseline: "dark mode", joco: HOSTILE },
  { expected: "refactor(core): simplify scheduler loop", baseline: "Refactored.", joco: "refactor(core): simplify the scheduler" },
  { expected: "docs(readme): fix typo", baseline: "docs(readme): fix typo", joco: "docs(readme): fix a typo" },
  { expected: "fix(ssr): keep hydration order", baseline: "Fixed it.", joco: "Fix(ssr): Keep hydration order" },
  { expected: "test(utils): cover slugify edge cases", baseline: "tests", joco: "test(utils): cover slugify" },
];
const CASES: Case[] = SCRIPT.map((s, i) => ({
  id: `c${i + 1}`,
  diff: `diff --git a/src/file${i + 1}.ts b/src/file${i + 1}.ts\n--- a/src/file${i + 1}.ts\n+++ b/src/file${i + 1}.ts\n@@ -1,2 +1,2 @@\n-old line ${i + 1}\n+new line ${i + 1}\n context\n`,
  expectedMessage: s.expected,
  repository: "acme/widgets",
  commitHash: String(i),
  metadata: {},
}));

let ollama: FakeOllama;
let browser: Browser | undefined;
let dir: string;
let runs: Run[];

beforeAll(async () => {
  ollama = await startFakeOllama({
    models: ["joco", "llama3.2:1b"],
    respond: (request) => {
      const i = CASES.findIndex((c) => promptOf(request).includes(c.diff));
      return request.body.model === "joco" ? SCRIPT[i]!.joco : SCRIPT[i]!.baseline;
    },
  });
  dir = await tempDir();
  const types = DEFAULT_CONFIG.conventional.types;
  const sampling = { host: ollama.url, mode: "free" as const, types, temperature: 0.7, topP: 0.9, numPredict: 256, seed: 42, numCtx: 4096 };
  const run = async (generator: Parameters<typeof executeRun>[0]["generator"]) =>
    (await executeRun({ dir: join(dir, "runs"), generator, cases: CASES, casesFile: "cases.jsonl", types, concurrency: 4, signal: new AbortController().signal })).run;
  runs = [
    await run(await createOllamaGenerator({ ...sampling, model: "llama3.2:1b", prompt: "chat" })),
    await run(await createOllamaGenerator({ ...sampling, model: "joco", prompt: "training" })),
  ];
  const reference = await run(createReferenceGenerator());
  const recorded: Record<string, unknown> = {
    "05-train": { lossCurve: [10, 20, 30, 40].map((step, i) => ({ step, loss: 2.4 - i * 0.4 })), evalCurve: [{ step: 20, evalLoss: 1.9 }, { step: 40, evalLoss: 1.5 }] },
    "06-export": { artifact: "joco-gguf/joco-q4_k_m.gguf", sizeBytes: 986e6, quantization: "q4_k_m" },
  };
  const settings: ReportSettings = {
    root: dir,
    file: join(dir, "benchmark/report.html"),
    runsDir: join(dir, "runs"),
    outputsDir: join(dir, "outputs"),
    targetSizeMB: 600,
    diffBudgetTokens: 1806,
    types,
    bootstrap: { seed: 42, iterations: 2000 },
  };
  expect(await writeBenchmarkPage(runs, reference, CASES, (id) => recorded[id], settings)).toMatch(/^Report page: benchmark\/report\.html \(0\.\d MB/);
  if (hasChromium()) browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await ollama.close();
});

describe("the report page, as a file", () => {
  it("inlines every script and style: no src, no stylesheet link, nothing to fetch", async () => {
    const html = await readFile(join(dir, "benchmark/report.html"), "utf8");
    expect(html).not.toMatch(/<script[^>]*\ssrc=|<link[^>]*stylesheet|<img|<iframe/i);
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`); // attribute-escaped quotes
    expect(html).toMatch(/<script>\/\*! https:\/\/github\.com\/leeoniya\/uPlot/); // the library, inlined from node_modules
    // The hostile output is data, escaped inside the JSON: the page holds exactly the scripts it was built with.
    expect(html.match(/<script/g)).toHaveLength(5);
    expect(html).not.toContain("<img src=x");
  });
});

describe("the report page, from runs of another version of the metrics", () => {
  const render = (pageRuns: Run[], ceiling: unknown) =>
    renderReportPage(buildReportPage({ runs: pageRuns, ceiling, ceilingRunId: null, cases: [], casesFile: "cases.jsonl", training: null, model: null, bootstrap: { seed: 1, iterations: 200 }, generatedAt: new Date(0) }));
  const withMetrics = (run: Run, metrics: Record<string, unknown>) => ({ ...run, metrics: metrics as Run["metrics"] });

  it("shows the original harness's figures when every run has metrics.legacy", async () => {
    const legacy = (headerCompliance: number, score: number) => ({ headerCompliance, score, typeAccuracy: 0.5 });
    const html = await render(
      [withMetrics(runs[0]!, { ...runs[0]!.metrics, legacy: legacy(0.6, 59.5) }), withMetrics(runs[1]!, { ...runs[1]!.metrics, legacy: legacy(0.9, 81.25) })],
      { ...runs[1]!.metrics, legacy: legacy(1, 96) },
    );
    const row = html.match(/<th scope="row">score \(original harness\)<\/th>(.*?)<\/tr>/s)![1]!;
    expect([...row.matchAll(/>([\d.]+%?)</g)].map((m) => m[1])).toEqual(["59.5", "81.3", "96.0"]);
    expect(html).toContain("header compliance (original harness)");
  });

  it("leaves out what a run lacks: no legacy table, no heat map without a matrix, — for a missing figure", async () => {
    const { confusion: _confusion, bleu: _bleu, legacy: _legacy, ...older } = runs[0]!.metrics;
    const html = await render([withMetrics(runs[0]!, older)], {});
    expect(html).not.toContain("original harness");
    expect(html).not.toContain('<figure class="heatmap">');
    expect(html).toContain("No confusion matrix in these runs.");
    expect(html).toMatch(/B-Norm BLEU \(description\)<\/th>\s*<td>\s*<span class="value">—<\/span>/);
    expect(html).toContain("No training run known");
    expect(html).toContain("No exported model known");
  });
});

if (!hasChromium()) console.warn(`Skipping the report page's browser tests: ${NO_CHROMIUM}`);
describe.skipIf(!hasChromium())(`the report page in headless Chromium${hasChromium() ? "" : ` (skipped: ${NO_CHROMIUM})`}`, () => {
  let opened: OpenedPage;
  beforeAll(async () => {
    opened = await openReportPage(browser!, join(dir, "benchmark/report.html"));
  }, 30_000);
  afterAll(() => opened?.context.close());
  const count = async () => Number(await opened.page.getAttribute("#match-count", "data-count"));
  const visibleIds = () => opened.page.$$eval(".case", (items) => items.map((item) => item.getAttribute("data-id")));
  const choose = async (select: string, value: string) => {
    await opened.page.selectOption(select, value);
  };

  it("shows each model in the before/after table, with the ceiling, and one heat map per model", async () => {
    // The first summary table is ours; the plan's legacy figures follow in a second one.
    const head = await opened.page.$eval("table.summary", (table) => [...table.querySelectorAll("thead th")].map((c) => c.textContent!.replace(/\s+/g, " ").trim()));
    expect(head).toEqual(["metric", "llama3.2:1b (free)before", "joco (free)after", "referenceceiling"]);
    const formatRow = await opened.page.$eval("table.summary", (table) => [...table.querySelectorAll("tbody tr:first-child td .value")].map((c) => c.textContent));
    expect(formatRow).toEqual(["25.0%", "91.7%"]);
    expect(await opened.page.$$eval(".heatmap figcaption", (c) => c.map((x) => x.textContent!.split(" ·")[0]))).toEqual(["llama3.2:1b (free)", "joco (free)"]);
    expect(await opened.page.locator("#loss-chart canvas").count()).toBeGreaterThan(0);
    expect((await opened.page.textContent(".size-headline"))!.replace(/\s+/g, " ").trim()).toBe("986 MB against the 600 MB target: +64%");
  });

  it("shows every case side by side, the hostile output as text", async () => {
    expect(await count()).toBe(12);
    expect(await visibleIds()).toEqual(CASES.map((c) => c.id));
    const sides = await opened.page.$$eval(".case[data-id='c8'] .side h4", (h) => h.map((x) => x.textContent));
    expect(sides).toEqual(["expected", "llama3.2:1b (free)", "joco (free)"]);
    expect(await opened.page.textContent(".case[data-id='c8'] [data-model='joco (free)'] .msg")).toBe(HOSTILE);
    expect(await opened.page.locator("#case-list img").count()).toBe(0);
    await opened.page.click(".case[data-id='c1'] details.diff summary");
    await opened.page.waitForSelector(".case[data-id='c1'] .diff pre"); // drawn when first opened (the toggle event comes after the click)
    expect(await opened.page.$$eval(".case[data-id='c1'] .diff pre span", (s) => s.map((x) => `${x.className}:${x.textContent}`))).toContain("add:+new line 1");
  });

  it("narrows the cases with each filter to the expected count", async () => {
    await choose("#filter-model", "1"); // joco
    await choose("#filter-verdict", "type-wrong-other-right");
    expect(await count()).toBe(1);
    expect(await visibleIds()).toEqual(["c7"]);
    await choose("#filter-verdict", "type-right-other-wrong");
    expect(await count()).toBe(9); // joco right on the 11 cases but c7, less c3 and c10 where the baseline is right too
    await choose("#filter-verdict", "format-invalid");
    expect(await visibleIds()).toEqual(["c11"]);
    const labels = await opened.page.$$eval("#filter-verdict option", (o) => o.map((x) => x.textContent));
    expect(labels).toContain("joco (free) wrong, llama3.2:1b (free) right (type)");
    await choose("#filter-verdict", "");
    await choose("#filter-type", "fix");
    expect(await visibleIds()).toEqual(["c3", "c4", "c7", "c11"]);
    await opened.page.fill("#filter-search", "hydration"); // applied after a 150 ms pause in typing
    await expect.poll(count).toBe(1);
    expect(await visibleIds()).toEqual(["c11"]);
    await opened.page.fill("#filter-search", "");
    await choose("#filter-type", "");
    await expect.poll(count).toBe(12);
  });

  it("hides a model's column when it is unticked", async () => {
    await opened.page.uncheck(".show-model[value='0']");
    expect(await opened.page.$$eval(".case[data-id='c1'] .side h4", (h) => h.map((x) => x.textContent))).toEqual(["expected", "joco (free)"]);
    await opened.page.check(".show-model[value='0']");
  });

  it("made no request but the page itself and logged no error", () => {
    expect(opened.requests).toEqual([opened.url]);
    expect(opened.errors).toEqual([]);
  });
});
