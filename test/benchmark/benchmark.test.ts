import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fitCaseDiffs } from "../../lib/benchmark/benchmark.js";
import { estimateTokens } from "../../lib/curate/tokens.js";
import { createOllamaGenerator } from "../../lib/benchmark/generators/ollama.js";
import { createReferenceGenerator } from "../../lib/benchmark/generators/reference.js";
import type { CaseResult } from "../../lib/benchmark/metrics.js";
import type { Case } from "../../lib/core/records.js";
import { executeRun } from "../../lib/benchmark/runs.js";
import { type FakeOllama, type OllamaReply, startFakeOllama, promptOf } from "../fakes/ollama.ts";
import { tempDir } from "../helpers/process.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";

// Eleven cases, each with the output the fake model gives for its diff. Every figure below is worked out by hand
// from DESIGN §6: commitlint's verdict, the 0–100 rubric (type 30, description 20, header ≤ 72 chars 20,
// lower-case description 10, no trailing period 5, header 30–60 chars 15, meta-description −20; the description
// rules need a header that parses), and the
// similarity of the output's description (the first line where no header parses) to the expected one.
const SCRIPT: Array<{ name: string; expected: string; reply: OllamaReply }> = [
  { name: "correct", expected: "feat(parser): add support for arrays", reply: { text: "feat(parser): add support for arrays" } },
  { name: "wrong type", expected: "fix(api): handle null response (#4521)", reply: { text: "feat(api): handle null response" } },
  { name: "explanation", expected: "docs: update install guide", reply: { text: "Here is the commit message: docs: update install guide" } },
  {
    name: "json",
    expected: "refactor(core): simplify scheduler loop",
    reply: { json: { type: "refactor", scope: "core", description: "simplify scheduler loop" } },
  },
  {
    name: "overlong header",
    expected: "perf(render): cache computed styles",
    reply: { text: "perf(render): cache computed styles so that each frame avoids recomputing the whole tree" },
  },
  { name: "upper-case type", expected: "test(utils): add cases for slugify", reply: { text: "TEST(utils): add cases for slugify" } },
  { name: "trailing period", expected: "fix(cli): handle missing config file", reply: { text: "fix(cli): handle missing config file." } },
  { name: "breaking", expected: "feat(api)!: drop support for node 16", reply: { text: "feat!: drop support for node 16" } },
  { name: "revert", expected: "fix(router): restore hash mode fallback", reply: { text: 'Revert "fix(router): restore hash mode fallback"' } },
  { name: "empty", expected: "chore(deps): Bump vite to 5.2", reply: { text: "" } },
  { name: "failed", expected: "ci: cache pnpm store", reply: { fault: { kind: "server_error" } } },
];
// Generation i (1–10) takes 50·i ms and reports 10·i tokens in one second (the empty reply: 1 token).
const DELAY_MS = (i: number) => 50 * (i + 1);
const TOKENS = (i: number) => (i === 9 ? 1 : 10 * (i + 1));

const CASES: Case[] = SCRIPT.map((s, i) => ({ id: `case-${i + 1}`, diff: `diff --git a/${s.name}`, expectedMessage: s.expected, repository: "r", commitHash: String(i), metadata: {} }));

const gm = (...precisions: number[]) => precisions.reduce((p, x) => p * x, 1) ** (1 / precisions.length);
// Per case, in SCRIPT order.
const HAND = {
  valid: [true, true, false, false, true, false, false, true, false, false, false], // lint: explanation/JSON/revert have no type; upper case, trailing period, empty fail
  headerCompliant: [true, true, false, false, true, true, true, true, false, false, false], // types compare in lower case: "TEST" is "test"
  header72: [true, true, true, false, false, true, true, true, true, false, false], // JSON line is 74 chars, the long header 88
  type: ["feat", "feat", null, null, "perf", "test", "fix", "feat", null, null, null],
  expectedType: ["feat", "fix", "docs", "refactor", "perf", "test", "fix", "feat", "fix", "chore", "ci"],
  typeCorrect: [true, false, false, false, true, true, true, true, false, false, false],
  // 30+20+20+10+5+15; the same (31 chars); no header: 20+15−20 (54 chars, "here is"); 0 (74 chars); 30+20+10+5
  // (88 chars); 100 ("TEST" is "test"); 30+20+20+10+15 (the period); 100; no header: 20+15 (48 chars); 0; 0.
  score: [100, 100, 15, 0, 65, 100, 95, 100, 35, 0, 0],
  scopeMatch: [true, true, false, false, true, true, true, false, false, false, false],
  bleu: [
    1,
    1,
    gm(3 / 11, 3 / 11, 2 / 10, 1 / 9), // 11 tokens "here is the commit message : docs : update install guide" vs 3
    gm(3 / 27, 3 / 27, 2 / 26, 1 / 25), // the JSON line is 27 tokens (every { " : , } its own)
    gm(3 / 12, 3 / 12, 2 / 11, 1 / 10), // 12 tokens, the first 3 the expected description
    1,
    gm(4 / 5, 4 / 5, 3 / 4, 2 / 3), // the period is a fifth token
    1,
    gm(4 / 12, 4 / 12, 3 / 11, 2 / 10), // revert " fix ( router ) : + 4 words + "
    0,
    0,
  ],
  // LCS / candidate words = P, recall 1: F = 2P / (P + 1).
  rougeL: [1, 1, 1 / 2, 6 / 11, 2 / 5, 1, 1, 1, 8 / 11, 0, 0],
  // The expected description sits inside the output line: 1 − (extra characters) / (output length).
  editSimilarity: [1, 1, 20 / 54, 23 / 74, 21 / 74, 1, 26 / 27, 1, 26 / 48, 0, 0],
  outputTokens: [10, 20, 30, 40, 50, 60, 70, 80, 90, 1, null],
  tokensPerSecond: [10, 20, 30, 40, 50, 60, 70, 80, 90, 1, null],
};
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await startFakeOllama({
    models: ["joco", "llama3.2:1b"],
    respond: (request) => {
      const prompt = promptOf(request);
      const i = CASES.findIndex((c) => prompt.includes(c.diff));
      return { ...SCRIPT[i]!.reply, delayMs: DELAY_MS(i), evalCount: TOKENS(i), evalDurationNs: 1e9 };
    },
  });
});
afterAll(() => ollama.close());

const settings = { host: "", model: "joco", mode: "free" as const, prompt: "training" as const, types: DEFAULT_CONFIG.conventional.types };
const sampling = { temperature: 0.7, topP: 0.9, numPredict: 256, seed: 42, numCtx: 4096 };
const runOver = async (generator: Parameters<typeof executeRun>[0]["generator"]) =>
  executeRun({ dir: await tempDir(), generator, cases: CASES, casesFile: "cases.jsonl", types: DEFAULT_CONFIG.conventional.types, concurrency: 1, signal: new AbortController().signal });

describe("08-benchmark metrics against scripted Ollama outputs", () => {
  let results: CaseResult[];
  let metrics: Awaited<ReturnType<typeof runOver>>["run"]["metrics"];
  beforeAll(async () => {
    const { run } = await runOver(await createOllamaGenerator({ ...settings, ...sampling, host: ollama.url }));
    results = run.results;
    metrics = run.metrics;
  });

  it("scores every case as worked out by hand", () => {
    for (const key of ["valid", "headerCompliant", "header72", "type", "expectedType", "typeCorrect", "score", "scopeMatch", "outputTokens", "tokensPerSecond"] as const) {
      expect(results.map((r) => r[key]), key).toEqual(HAND[key]);
    }
    for (const key of ["bleu", "rougeL", "editSimilarity"] as const) {
      results.forEach((r, i) => expect(r[key], `${key} of ${SCRIPT[i]!.name}`).toBeCloseTo(HAND[key][i]!, 12));
    }
    expect(results.map((r) => r.error === null)).toEqual([...Array(10).fill(true), false]);
    expect(results[3]!.output).toBe('{"type":"refactor","scope":"core","description":"simplify scheduler loop"}');
  });

  it("aggregates over all 11 cases, failures and empty outputs as misses", () => {
    expect(metrics).toMatchObject({
      cases: 11,
      failed: 1,
      formatCompliance: 4 / 11,
      headerCompliance: 6 / 11,
      header72: 7 / 11,
      typeAccuracy: 5 / 11,
      typeAccuracyValid: 5 / 6, // six outputs have a parsable type; five are right
      scopeMatch: 5 / 11,
      tokensPerSecond: (10 + 20 + 30 + 40 + 50 + 60 + 70 + 80 + 90 + 1) / 10,
      confusion: {
        feat: { feat: 2 },
        fix: { feat: 1, fix: 1, "(none)": 1 },
        docs: { "(none)": 1 },
        refactor: { "(none)": 1 },
        perf: { perf: 1 },
        test: { test: 1 },
        chore: { "(none)": 1 },
        ci: { "(none)": 1 },
      },
    });
    expect(metrics.score).toBeCloseTo(610 / 11, 12);
    expect(metrics.bleu).toBeCloseTo(sum(HAND.bleu) / 11, 12);
    expect(metrics.rougeL).toBeCloseTo(sum(HAND.rougeL) / 11, 12);
    expect(metrics.editSimilarity).toBeCloseTo(sum(HAND.editSimilarity) / 11, 12);
  });

  it("takes latency percentiles over the ten answered cases", () => {
    const latency = results.map((r) => r.latencyMs);
    expect(latency[10]).toBeNull(); // the failed request has none
    latency.slice(0, 10).forEach((ms, i) => expect(ms).toBeGreaterThanOrEqual(DELAY_MS(i)));
    latency.slice(0, 10).forEach((ms, i) => expect(ms).toBeLessThan(DELAY_MS(i) + 1000));
    // Ten values sorted: p50 at rank 4.5, p95 at rank 8.55 (0-based), interpolated.
    const sorted = (latency.slice(0, 10) as number[]).sort((a, b) => a - b);
    expect(metrics.latencyP50Ms).toBeCloseTo((sorted[4]! + sorted[5]!) / 2, 9);
    expect(metrics.latencyP95Ms).toBeCloseTo(sorted[8]! + 0.55 * (sorted[9]! - sorted[8]!), 9);
  });

  it("scores the reference messages as the ceiling row", async () => {
    const { run } = await runOver(createReferenceGenerator());
    // The expected messages, with " (#4521)" cleaned off; "Bump" breaks commitlint's subject-case, nothing else fails.
    expect(run.results[1]!.output).toBe("fix(api): handle null response");
    expect(run.results.map((r) => r.valid)).toEqual([...Array(9).fill(true), false, true]);
    expect(run.metrics).toMatchObject({
      cases: 11,
      failed: 0,
      formatCompliance: 10 / 11,
      headerCompliance: 1,
      header72: 1,
      typeAccuracy: 1,
      typeAccuracyValid: 1,
      scopeMatch: 1,
      bleu: 1,
      rougeL: 1,
      editSimilarity: 1,
      latencyP50Ms: null,
      tokensPerSecond: null,
    });
    // 100 each, but "docs: update install guide" and "ci: cache pnpm store" are under 30 characters (85)
    // and "chore(deps): Bump vite to 5.2" is both short and upper-case (75).
    expect(run.metrics.score).toBeCloseTo((8 * 100 + 85 + 85 + 75) / 11, 12);
  });
});

describe("fitCaseDiffs", () => {
  it("cuts a long diff to the token budget, whole hunks only, counts what the model sees cut, and leaves short ones alone", () => {
    const hunk = (n: number) => `@@ -${n},2 +${n},2 @@\n-old line ${n}\n+new line ${n}\n`;
    const long = `diff --git a/a.ts b/a.ts\n--- a/a.ts\n+++ b/a.ts\n${Array.from({ length: 400 }, (_, i) => hunk(i * 10 + 1)).join("")}`;
    const base = { repository: "r", commitHash: "abc", expectedMessage: "fix: x", metadata: {} };
    const cut02 = { ...base, id: "cut-by-02", diff: hunk(2), metadata: { truncated: true } };
    const { cases, truncated } = fitCaseDiffs([{ ...base, id: "long", diff: long }, { ...base, id: "short", diff: hunk(1) }, cut02], 500);
    const [cut, short] = cases;
    expect(estimateTokens(long)).toBeGreaterThan(3000);
    expect(estimateTokens(cut!.diff)).toBeLessThanOrEqual(500);
    expect(estimateTokens(cut!.diff)).toBeGreaterThan(300);
    expect(cut!.diff.startsWith("diff --git a/a.ts b/a.ts\n")).toBe(true);
    expect(cut!.diff).toMatch(/\+new line \d+\n$/);
    expect(long.startsWith(cut!.diff)).toBe(true);
    expect(short!.diff).toBe(hunk(1));
    expect(truncated).toBe(2); // the long one here, and the one 02-extract had cut already
  });
});
