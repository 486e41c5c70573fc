import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffTerms, loadFewShotIndex } from "../../lib/benchmark/few-shot.js";
import { chatPrompt, fewShotMessages, trainingPrompt } from "../../lib/benchmark/generators/prompts.js";
import { TRAINING_INSTRUCTION } from "../../lib/conventional/prompt.js";
import { diffTokenBudget, fitDiffToTokens } from "../../lib/curate/tokens.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import type { ChatRequest } from "ollama";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.ts";
import { syntheticDiff } from "../helpers/labeled.js";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const patch = (file: string, words: string) =>
  `diff --git a/src/${file}.ts b/src/${file}.ts\n--- a/src/${file}.ts\n+++ b/src/${file}.ts\n@@ -1,2 +1,2 @@\n-${words}\n+${words} again\n`;
const hash = (n: number) => String(n).repeat(40).slice(0, 40);

// Benchmark cases: a parser change, a router change, and a long cache change (cut to the shared budget when served).
const longCache = `${patch("cache", "cacheEntry evictStale ttlSeconds")}${syntheticDiff(9, { files: 4, hunksPerFile: 12, linesPerHunk: 16 }).replace(/^[\s\S]*?\n\n/, "")}`;
const CASES = [
  { id: "bench-parser", diff: patch("parser", "tokenizeInput parseTokens syntaxTree"), expectedMessage: "fix(parser): keep the last token", repository: "b", commitHash: hash(1) },
  { id: "bench-router", diff: patch("router", "routeTable matchPath redirectTo"), expectedMessage: "feat(router): add redirects", repository: "b", commitHash: hash(2) },
  { id: "bench-cache", diff: longCache, expectedMessage: "perf(cache): evict stale entries early", repository: "b", commitHash: hash(3) },
];
// Training examples: one like each case, one unlike any, and a copy of the router case under another id (a leak).
const TRAIN = [
  { id: "train-parser", diff: patch("lexer", "tokenizeInput parseTokens lexerState"), message: "refactor(parser): share the tokenizer" },
  { id: "train-router", diff: patch("routes", "routeTable matchPath nestedRoutes"), message: "feat(router): support nested routes" },
  { id: "train-cache", diff: patch("store", "cacheEntry evictStale storeSize"), message: "fix(cache): evict stale entries on write" },
  { id: "train-logger", diff: patch("logger", "logLevel formatLine writeStream"), message: "feat(logger): add a json format" },
  { id: "train-leak", diff: CASES[1]!.diff, message: "feat(router): add redirects" },
];
const curated = (t: (typeof TRAIN)[number], i: number) => ({
  instruction: TRAINING_INSTRUCTION,
  input: t.diff,
  output: t.message,
  metadata: { id: t.id, repository: "acme/train", commitHash: hash(i + 5), type: t.message.split(/[(:]/)[0], scope: null },
});

async function project(): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, "benchmark/cases"), { recursive: true });
  await mkdir(join(dir, "dataset"), { recursive: true });
  await writeFile(join(dir, "benchmark/cases/held-out.jsonl"), CASES.map((c) => JSON.stringify(c)).join("\n") + "\n");
  await writeFile(join(dir, "dataset/train.jsonl"), TRAIN.map((t, i) => JSON.stringify(curated(t, i))).join("\n") + "\n");
  return dir;
}

describe("few-shot retrieval", () => {
  it("ranks the training examples by BM25, most similar first, and leaves out copies of benchmark cases", async () => {
    const dir = await project();
    const index = await loadFewShotIndex(join(dir, "dataset/train.jsonl"), CASES.map((c) => ({ ...c, metadata: {} })), { exampleDiffChars: 1500, nearDuplicateThreshold: 0.8 });
    expect(index).toMatchObject({ size: 4, excluded: new Map([["train-leak", "bench-router"]]) });
    expect(index.retrieve(CASES[0]!.diff, 3).map((e) => e.id)[0]).toBe("train-parser");
    expect(index.retrieve(CASES[1]!.diff, 3).map((e) => e.id)[0]).toBe("train-router");
    expect(index.retrieve(CASES[2]!.diff, 1).map((e) => e.id)).toEqual(["train-cache"]);
    expect(index.retrieve("@@ -1 +1 @@\n-zzz\n+qqq\n", 3)).toEqual([]); // no shared word: no example
  });

  it("puts the examples before the case, the most similar last, as JSON answers in structured mode", () => {
    const examples = [
      { id: "a", diff: "diff a", message: "feat(ui)!: drop the old toggle\n\nUse the new one." },
      { id: "b", diff: "diff b", message: "fix: x" },
    ];
    const messages = fewShotMessages(examples, "the case", "structured");
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user"]);
    expect(messages[0]!.content).toBe(chatPrompt("diff b", "structured"));
    expect(JSON.parse(messages[3]!.content)).toEqual({ type: "feat", scope: "ui", breaking: true, description: "drop the old toggle", body: "Use the new one." });
    expect(messages[4]!.content).toBe(chatPrompt("the case", "structured"));
    expect(fewShotMessages(examples, "the case", "free")[3]!.content).toBe(examples[0]!.message);
  });

  it("reads words from the changed lines and file names only", () => {
    expect(diffTerms("diff --git a/src/x.ts b/src/x.ts\n@@ -1 +1 @@\n context line\n-old value\n+new value\n")).toEqual(
      ["diff", "git", "src", "ts", "src", "ts", "old", "value", "new", "value"],
    );
  });
});

describe("08-benchmark with the few-shot baseline", () => {
  let ollama: FakeOllama;
  const fewShotRequests = () => ollama.generationRequests().map((r) => r.body as ChatRequest).filter((b) => (b.messages?.length ?? 0) > 1);
  beforeAll(async () => {
    ollama = await startFakeOllama({
      models: ["joco", "llama3.2:1b"],
      respond: (request) => {
        const ask = request.endpoint === "generate" ? request.body.prompt! : request.body.messages!.at(-1)!.content;
        const item = CASES.find((c) => ask.includes(c.diff.slice(0, 120)))!;
        if (request.endpoint === "chat" && request.body.messages!.length === 1) return "Updated the files.";
        return item.expectedMessage;
      },
    });
  });
  afterAll(() => ollama.close());

  it("adds the baseline with retrieved examples to the before/after table, its prompts holding training examples only", async () => {
    const dir = await project();
    const result = await runTsx(join(REPO_ROOT, "runbook/08-benchmark.ts"), [], { cwd: dir, env: { OLLAMA_HOST: ollama.url } });
    expect(result.code, result.stderr).toBe(0);
    const header = result.stdout.split("\n").find((line) => line.includes("metric")) ?? "";
    expect(header).toMatch(/llama3\.2:1b \(free\).*llama3\.2:1b 3-shot \(free\).*joco \(free\).*Δ.*Δ vs 3-shot.*reference/);
    const format = result.stdout.split("\n").find((line) => line.includes("format compliance")) ?? "";
    // Baseline 0 of 3, few-shot 3 of 3, joco 3 of 3 (Wilson [0, 56.1] and [43.9, 100]); joco vs 3-shot: no difference.
    expect(format).toMatch(/0\.0% \[0\.0, 56\.1\].*100\.0% \[43\.9, 100\.0\].*100\.0% \[43\.9, 100\.0\].*\+100\.0 pts.*0\.250.*│ 0\.0 pts .*1\.000/);
    expect(result.stdout).toContain("1 left out as (near-)copies of benchmark cases");
    expect(result.stdout).toMatch(/1 of 3 truncated/);

    // What the stand-in was sent: every few-shot prompt's example turns are training examples, never a benchmark case.
    const requests = fewShotRequests();
    expect(requests).toHaveLength(3);
    const trainDiffs = TRAIN.filter((t) => t.id !== "train-leak").map((t) => t.diff);
    for (const body of requests) {
      const examples = body.messages!.slice(0, -1);
      expect(examples.length).toBeGreaterThanOrEqual(2);
      for (const [i, turn] of examples.entries()) {
        if (i % 2 === 0) expect(trainDiffs.some((d) => turn.content.endsWith(d)), turn.content).toBe(true);
        else expect(TRAIN.map((t) => t.message)).toContain(turn.content);
        for (const c of CASES) expect(turn.content).not.toContain(c.diff.slice(0, 120));
      }
    }
    const outputs = JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8")).cells["08-benchmark"].outputs;
    expect(outputs).toMatchObject({ fewShot: expect.stringMatching(/^llama3\.2-1b-3-shot-free-/), truncated: 1, runs: [expect.stringMatching(/^llama3\.2-1b-free-/), expect.stringMatching(/^joco-free-/)] });
    const run = JSON.parse(await readFile(join(dir, "benchmark/runs", `${outputs.fewShot}.json`), "utf8"));
    expect(run).toMatchObject({ variant: "3-shot", promptVersion: "chat-v1+few-shot-v1", params: { fewShot: { k: 3, exampleDiffChars: 1500 } } });
    expect(run.results.map((r: { examples: string[] }) => r.examples[0])).toEqual(["train-parser", "train-router", "train-cache"]);
    expect((await readdir(join(dir, "benchmark/runs"))).length).toBe(4);

    // The fine-tuned model was served the long diff cut exactly as 04 cuts a training diff.
    const budget = diffTokenBudget(TRAINING_INSTRUCTION, DEFAULT_CONFIG.training.maxSeqLength, DEFAULT_CONFIG.curation.maxMessageTokens);
    const served = ollama.generationRequests().map((r) => r.body as { prompt?: string }).filter((b) => b.prompt?.includes("cacheEntry"));
    expect(served.map((b) => b.prompt)).toEqual([trainingPrompt(fitDiffToTokens(longCache, budget).diff)]);
    expect(fitDiffToTokens(longCache, budget).truncated).toBe(true);

    // 09-log puts the same three columns in the experiment log.
    const logged = await runTsx(join(REPO_ROOT, "runbook/09-log.ts"), [], { cwd: dir, env: { OLLAMA_HOST: ollama.url } });
    expect(logged.code, logged.stderr).toBe(0);
    const entry = await readFile(join(dir, "EXPERIMENT_LOG.md"), "utf8");
    expect(entry).toContain("| Metric | llama3.2:1b (before) | llama3.2:1b 3-shot | joco (after) | Δ | 95% CI | McNemar p | Significant | Δ vs 3-shot |");
    expect(entry).toContain(`few-shot baseline (llama3.2:1b, 3-shot): \`${outputs.fewShot}\``);
  }, 60_000);
});
