/**
 * Synthetic input for the report page at scale, for bench/report-page.ts and
 * bench/report-screenshot.ts: N held-out cases with realistic diffs (several
 * files, 2–6 KB, as 02-extract cuts them), and M models of rising quality
 * whose outputs are scored by the real metrics (scoreCase), plus a training
 * loss history and a model file. Seeded: the same page every time.
 */
import { createRng } from "../lib/curate/split.js";
import type { Case } from "../lib/core/records.js";
import { aggregateMetrics, scoreCase } from "../lib/benchmark/metrics.js";
import type { ReportPageInput } from "../lib/benchmark/report-page/page.js";
import { referenceMetrics } from "../lib/benchmark/report.js";
import type { Run } from "../lib/benchmark/runs.js";
import { DEFAULT_CONFIG } from "../runbook/00-config.js";

const TYPES = ["feat", "fix", "fix", "feat", "docs", "refactor", "chore", "test", "perf", "ci", "build", "style"];
const SCOPES = ["core", "router", "compiler", "ssr", "cli", "api", "forms", "http", "animations", "docs-infra"];
const VERBS = ["add", "handle", "avoid", "support", "remove", "simplify", "update", "restore", "cache", "expose"];
const NOUNS = ["hydration mismatch", "null response", "trailing slash", "lazy routes", "signal inputs", "zone flush", "template parser", "form state", "deferred blocks", "error messages"];
const BAD = ["Here is a commit message: Updated files.", "Updated the code to fix the issue.", "```\nfix: update code\n```", "This commit refactors the module."];
const MODELS = [
  { model: "llama3.2:1b", quality: 0.45 },
  { model: "llama3.2:1b", quality: 0.6, fewShot: true },
  { model: "qwen2.5-coder:0.5b", quality: 0.65 },
  { model: "joco", quality: 0.88 },
];

export async function syntheticReport(caseCount = 1000, modelCount = 4, seed = 7): Promise<ReportPageInput> {
  const random = createRng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const types = DEFAULT_CONFIG.conventional.types;

  const cases: Case[] = Array.from({ length: caseCount }, (_, i) => {
    const files = 1 + Math.floor(random() * 4);
    const diff = Array.from({ length: files }, (_, f) => {
      const path = `packages/${pick(SCOPES)}/src/${pick(NOUNS).replace(/ /g, "_")}_${f}.ts`;
      const hunks = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, h) => {
        const lines = Array.from({ length: 4 + Math.floor(random() * 10) }, (_, l) => {
          const code = `  const ${pick(VERBS)}${l} = ${pick(["await", "this.", "signal(", "inject("])}${pick(NOUNS).replace(/ /g, "")}(${h});`;
          const mark = random();
          return mark < 0.3 ? `+${code}` : mark < 0.5 ? `-${code}` : ` ${code}`;
        });
        return `@@ -${10 + h * 40},${lines.length} +${10 + h * 40},${lines.length} @@ export class ${pick(NOUNS).replace(/ /g, "")} {\n${lines.join("\n")}`;
      });
      return `diff --git a/${path} b/${path}\nindex 3f2a1b0..8c9d4e1 100644\n--- a/${path}\n+++ b/${path}\n${hunks.join("\n")}`;
    });
    const scope = random() < 0.8 ? `(${pick(SCOPES)})` : "";
    const expectedMessage = `${pick(TYPES)}${scope}: ${pick(VERBS)} ${pick(NOUNS)}`;
    return { id: `angular-${(0x10000000 + i * 7919).toString(16)}`, diff: diff.join("\n"), expectedMessage, repository: "angular/angular", commitHash: String(i), metadata: {} };
  });

  const runs: Run[] = [];
  for (const [m, spec] of MODELS.slice(0, modelCount).entries()) {
    const results = [];
    for (const item of cases) {
      const header = item.expectedMessage;
      const [, type = "", rest = ""] = /^(\w+)(.*)$/.exec(header) ?? [];
      const roll = random();
      const output =
        roll < spec.quality ? (random() < 0.5 ? header : `${type}${rest.replace(/: \w+/, `: ${pick(VERBS)}`)}`)
          : roll < spec.quality + (1 - spec.quality) / 2 ? `${pick(TYPES.filter((t) => t !== type))}${rest}`
            : pick(BAD);
      const latencyMs = 300 + random() * 900;
      const generation = { output, rawOutput: null, error: random() < 0.004 ? "HTTP 500: model runner crashed" : null, latencyMs, outputTokens: 14, tokensPerSecond: 14_000 / latencyMs };
      results.push({ id: item.id, expectedMessage: item.expectedMessage, ...generation, ...(await scoreCase(item.expectedMessage, generation, types)) });
    }
    const fewShot = "fewShot" in spec ? "-k3" : "";
    runs.push({
      runId: `${spec.model.replace(/[^\w.-]+/g, "-")}-free-${(0xabcde0 + m).toString(16)}${fewShot}`,
      createdAt: new Date(Date.UTC(2026, 0, 5, 12, m)).toISOString(),
      model: spec.model,
      backend: "ollama",
      mode: "free",
      casesFile: "benchmark/cases/angular.jsonl",
      params: {},
      promptVersion: "chat-v1",
      metrics: aggregateMetrics(results),
      results,
    });
  }

  const loss = Array.from({ length: 33 }, (_, i) => ({ step: (i + 1) * 10, loss: 2.4 * Math.exp(-i / 6) + 0.42 + (random() - 0.5) * 0.08 }));
  const evalLoss = [50, 100, 150, 200, 250, 300].map((step) => ({ step, evalLoss: 2.4 * Math.exp(-step / 60) + 0.55 }));
  return {
    runs,
    ceiling: await referenceMetrics(cases.map((c) => ({ id: c.id, expectedMessage: c.expectedMessage })), types),
    ceilingRunId: "reference-free-0123456789",
    cases,
    casesFile: "benchmark/cases/angular.jsonl",
    training: { source: "05-train outputs", loss, eval: evalLoss },
    model: { artifact: "joco-gguf/joco-q4_k_m.gguf", sizeBytes: 986_000_000, quantization: "q4_k_m", targetMB: 600 },
    bootstrap: { seed: DEFAULT_CONFIG.benchmark.seed, iterations: DEFAULT_CONFIG.benchmark.bootstrapIterations },
    generatedAt: new Date(Date.UTC(2026, 0, 5, 13, 0)),
  };
}
