/**
 * Runs 08-benchmark (a real process) on case files against a fake Ollama whose
 * model answers every case with its own expected message, and prints the
 * run's formatCompliance beside the rate computed here: the expected message,
 * cleaned as git commit cleans it, is one message (no fence, second header or
 * meta line) and passes @commitlint straight (config-conventional, its parser
 * preset, defaultIgnores false). The two must be equal. Only the cases 08
 * keeps count (headers over 72 characters are passed over), and the plan's
 * legacy header compliance is shown beside.
 *   npx tsx bench/format-ceiling.ts ../shared/data/*.jsonl
 */
import { readFile, readdir } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import lint from "@commitlint/lint";
import load from "@commitlint/load";
import { readJsonl } from "../lib/core/jsonl.js";
import { TRAINING_INSTRUCTION, renderPrompt } from "../lib/conventional/prompt.js";
import { cleanCommitMessage, exceedsHeaderLimit, stripspace } from "../lib/conventional/parser.js";
import { messageProblems } from "../lib/conventional/message.js";
import { diffTokenBudget, fitDiffToTokens } from "../lib/curate/tokens.js";
import { DEFAULT_CONFIG } from "../runbook/00-config.js";
import { CaseSchema } from "../lib/core/records.js";
import { RunSchema } from "../lib/benchmark/runs.js";
import { startFakeOllama } from "../test/fakes/ollama.ts";
import { REPO_ROOT, runTsx, tempDir } from "../test/helpers/process.ts";

const files = process.argv.slice(2).map((f) => resolve(f));
if (files.length === 0) throw new Error("usage: npx tsx bench/format-ceiling.ts CASES.jsonl…");

const config = await load({ extends: ["@commitlint/config-conventional"] }, { cwd: REPO_ROOT });
const types = DEFAULT_CONFIG.conventional.types;
const passes = async (output: string) => {
  const message = stripspace(output);
  if (message === "" || messageProblems(message, types).length > 0) return false;
  return (await lint(message, config.rules, { parserOpts: config.parserPreset?.parserOpts as object, defaultIgnores: false })).valid;
};
// 08 serves every diff cut to the budget 04 trains with: the fake model recognises the case by that prompt.
const budget = diffTokenBudget(TRAINING_INSTRUCTION, DEFAULT_CONFIG.training.maxSeqLength, DEFAULT_CONFIG.curation.maxMessageTokens);

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
console.log("| file | cases kept by 08 | one message + commitlint, computed here | 08 formatCompliance (outputs = expected) | equal | 08 ceiling row (cleaned) formatCompliance | plan's header compliance (ceiling) |");
console.log("|---|---:|---:|---:|---|---:|---:|");
for (const file of files) {
  const cases = (await readJsonl(file, CaseSchema)).filter((c) => !exceedsHeaderLimit(cleanCommitMessage(c.expectedMessage)));
  const byPrompt = new Map(cases.map((c) => [renderPrompt(TRAINING_INSTRUCTION, fitDiffToTokens(c.diff, budget).diff), c.expectedMessage]));
  const ollama = await startFakeOllama({
    models: ["joco"],
    respond: (request) => (request.endpoint === "generate" ? (byPrompt.get(request.body.prompt!) ?? "") : ""),
  });
  const dir = await tempDir("joco-ceiling-");
  const result = await runTsx(join(REPO_ROOT, "runbook/08-benchmark.ts"), ["--cases", file, "--model", "joco", "--max", String(cases.length), "--concurrency", "4"], {
    cwd: dir,
    env: { OLLAMA_HOST: ollama.url },
  });
  await ollama.close();
  if (result.code !== 0) throw new Error(`08-benchmark failed on ${file}:\n${result.stderr}`);
  const runs = await Promise.all(
    (await readdir(join(dir, "benchmark/runs"))).map(async (n) => RunSchema.parse(JSON.parse(await readFile(join(dir, "benchmark/runs", n), "utf8")))),
  );
  const model = runs.find((r) => r.backend === "ollama")!;
  const ceiling = runs.find((r) => r.backend === "reference")!;
  let passed = 0;
  for (const c of cases) if (await passes(c.expectedMessage)) passed += 1;
  const rate = passed / cases.length;
  const cells = [basename(file), String(cases.length), `${passed}/${cases.length} = ${pct(rate)}`, pct(model.metrics.formatCompliance)];
  console.log(`| ${[...cells, String(rate === model.metrics.formatCompliance), pct(ceiling.metrics.formatCompliance), pct(ceiling.metrics.legacy.headerCompliance)].join(" | ")} |`);
}
