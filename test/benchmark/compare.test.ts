import { afterEach, describe, expect, it } from "vitest";
import { compareRuns } from "../../lib/benchmark/compare.js";
import { renderComparisonMarkdown, renderComparisonTable, renderMetricsTable } from "../../lib/benchmark/tables.js";
import { type CaseResult, aggregateMetrics } from "../../lib/benchmark/metrics.js";
import type { Run } from "../../lib/benchmark/runs.js";
import { chalk } from "../../lib/core/ui.js";

const result = (id: string, fields: Partial<CaseResult>): CaseResult => ({
  id,
  expectedMessage: "fix: x",
  output: "fix: x",
  rawOutput: null,
  error: null,
  latencyMs: 100,
  outputTokens: 5,
  tokensPerSecond: 50,
  valid: false,
  problems: [],
  headerCompliant: false,
  header72: true,
  type: "fix",
  expectedType: "fix",
  typeCorrect: false,
  strictType: "fix",
  typeCorrectStrict: false,
  score: 50,
  scopeMatch: true,
  bleu: 0.5,
  rougeL: 0.5,
  editSimilarity: 0.5,
  legacy: { valid: true, score: 85, type: "fix" },
  ...fields,
});

const runOf = (model: string, results: CaseResult[]): Run => ({
  runId: `${model}-free-0123456789`,
  createdAt: "2025-01-01T00:00:00.000Z",
  model,
  backend: "ollama",
  mode: "free",
  casesFile: "cases.jsonl",
  params: {},
  promptVersion: "chat-v1",
  metrics: aggregateMetrics(results),
  results,
});

// Ten shared cases. Format: one case passes only before, nine only after (b = 1, c = 9).
// Type: five pass only after (b = 0, c = 5). Score: +10 on every case. Header ≤ 72: one case worse after.
const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
const before = runOf(
  "llama3.2:1b",
  ids.map((id, i) => result(id, { valid: i === 0, typeCorrect: false, score: 50, header72: true })),
);
const after = runOf("joco", [
  ...ids.map((id, i) => result(id, { valid: i !== 0, typeCorrect: i < 5, score: 60, header72: i !== 3, latencyMs: 40, tokensPerSecond: 80 })),
  result("only-after", { valid: true }),
]);
const comparison = compareRuns(before, after, { seed: 42, iterations: 5000 });
const metric = (key: string) => comparison.metrics.find((m) => m.key === key)!;

describe("compareRuns", () => {
  it("pairs the cases both runs have and leaves the rest out", () => {
    expect(comparison).toMatchObject({ pairedCases: 10, unpairedCases: 1, before: { model: "llama3.2:1b" }, after: { model: "joco" } });
  });

  it("tests pass/fail metrics with the exact McNemar test on the paired outcomes", () => {
    expect(metric("formatCompliance")).toMatchObject({ before: 0.1, after: 0.9, pValue: 0.021484375, significant: true });
    expect(metric("formatCompliance").delta).toBeCloseTo(0.8, 12);
    expect(metric("typeAccuracy")).toMatchObject({ before: 0, after: 0.5, delta: 0.5, pValue: 0.0625, significant: false });
    expect(metric("header72")).toMatchObject({ pValue: 1, significant: false });
    expect(metric("scopeMatch")).toMatchObject({ delta: 0, pValue: 1, ci: { low: 0, high: 0 }, significant: false });
  });

  it("gives means a bootstrap interval and calls them significant when it excludes zero", () => {
    expect(metric("score")).toMatchObject({ before: 50, after: 60, delta: 10, ci: { low: 10, high: 10 }, pValue: null, significant: true });
    // Differences: one −1, nine +1. A resampled mean is (10 − 2K) / 10 with K ~ Binomial(10, 0.1) draws of the −1:
    // P(K ≥ 4) = 0.013 < 2.5% < P(K ≥ 3) = 0.070, and P(K = 0) = 0.35, so the interval is [0.4, 1.0].
    expect(metric("formatCompliance").ci).toEqual({ low: 0.4, high: 1 });
  });

  it("reports latency and speed without a test", () => {
    expect(metric("latencyP50Ms")).toMatchObject({ before: 100, after: 40, delta: -60, ci: null, pValue: null, significant: null });
    expect(metric("tokensPerSecond")).toMatchObject({ delta: 30, significant: null });
  });
});

describe("comparison tables", () => {
  const level = chalk.level;
  afterEach(() => {
    chalk.level = level;
  });
  const rowOf = (table: string, label: string) => table.split("\n").find((line) => line.includes(label)) ?? "";

  it("colours a significant gain green, a significant loss red and the rest grey", () => {
    chalk.level = 1;
    const table = renderComparisonTable(comparison, aggregateMetrics(ids.map((id) => result(id, { valid: true }))));
    expect(rowOf(table, "format compliance")).toContain(chalk.green("+80.0 pts"));
    expect(rowOf(table, "format compliance")).toContain("0.021");
    expect(rowOf(table, "format compliance")).toContain("100.0%"); // the ceiling column
    expect(rowOf(table, "type accuracy ")).toContain(chalk.gray("+50.0 pts"));
    expect(rowOf(table, "latency p50")).toContain("-60 ms");
    expect(table).toContain("reference");

    const worse = compareRuns(after, before, { seed: 42, iterations: 1000 });
    expect(rowOf(renderComparisonTable(worse), "format compliance")).toContain(chalk.red("-80.0 pts"));
  });

  it("renders the same figures as a Markdown table for the experiment log", () => {
    const markdown = renderComparisonMarkdown(comparison);
    const lines = markdown.split("\n");
    expect(lines[0]).toBe("| Metric | llama3.2:1b (before) | joco (after) | Δ | 95% CI | McNemar p | Significant |");
    expect(lines[1]).toBe("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    // Each rate carries its 95% Wilson interval: 1 of 10 → [1.8, 40.4], 9 of 10 → [59.6, 98.2].
    expect(rowOf(markdown, "format compliance")).toMatch(
      /^\| format compliance \(one message, commitlint\) \| 10\.0% \[1\.8, 40\.4\] \| 90\.0% \[59\.6, 98\.2\] \| \+80\.0 pts \| \[\+\d+\.\d, \+\d+\.\d\] \| 0\.021 \| yes \|$/,
    );
    expect(rowOf(markdown, "type accuracy |")).toContain("| 0.0% [0.0, 27.8] | 50.0% [23.7, 76.3] | +50.0 pts |");
    expect(rowOf(markdown, "type accuracy |")).toContain("| 0.063 | no |");
    expect(markdown).not.toContain("\u001b[");
  });
});

describe("the strict type accuracy row", () => {
  it("is shown only where it differs from the extracted type accuracy", () => {
    const same = aggregateMetrics(ids.map((id) => result(id, { typeCorrect: true, typeCorrectStrict: true })));
    const fenced = aggregateMetrics(ids.map((id, i) => result(id, { typeCorrect: true, typeCorrectStrict: i > 2 })));
    expect(renderMetricsTable([{ title: "a", metrics: same }])).not.toContain("output as returned");
    const table = renderMetricsTable([{ title: "a", metrics: same }, { title: "b", metrics: fenced }]);
    expect(table.split("\n").find((line) => line.includes("output as returned"))).toMatch(/100\.0% \[72\.2, 100\.0\].*70\.0% \[39\.7, 89\.2\]/);
  });
});
