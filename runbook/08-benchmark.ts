/**
 * 08-benchmark — Benchmark before/after
 *
 * The baseline and the fine-tuned model over the same held-out cases, scored
 * by the metrics of DESIGN §6, each run stored as benchmark/runs/<runId>.json
 * and resumable per case; the before/after table says which differences are
 * significant, beside the ceiling of the reference messages themselves; the
 * same, with every case side by side, goes into the report page (paths.report).
 * `--usage DIR` scores real use instead: the hook's suggestions against the
 * messages committed.
 */
import { resolve } from "node:path";
import { z } from "zod";
import {
  BenchmarkOutputsSchema,
  type BenchmarkSettings,
  benchmarkTargets,
  caseFiles,
  checkOllamaModels,
  createGenerator,
  fitCaseDiffs,
  loadCases,
  runWithProgress,
} from "../lib/benchmark/benchmark.js";
import { renderBenchmarkReport, renderSavedComparison } from "../lib/benchmark/report.js";
import { type ReportSettings, writeBenchmarkPage, writeSavedRunsPage } from "../lib/benchmark/report-page/write.js";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { RunbookError, UsageError } from "../lib/core/errors.js";
import { pathExists } from "../lib/core/files.js";
import { createReferenceGenerator } from "../lib/benchmark/generators/reference.js";
import { ExportOutputsSchema } from "../lib/export/export.js";
import { type FewShotIndex, loadFewShotIndex } from "../lib/benchmark/few-shot.js";
import { diffTokenBudget } from "../lib/curate/tokens.js";
import { TRAINING_INSTRUCTION } from "../lib/conventional/prompt.js";
import { chalk } from "../lib/core/ui.js";
import { renderUsageReport } from "../lib/suggest/usage-score.js";
import { runFile } from "../lib/benchmark/runs.js";
import { ConfigSchema, type Config } from "./00-config.js";
import extractCell from "./02-extract.js";
import importOllamaCell from "./07-import.js";

const settingsOf = (config: Config, exportedGguf?: string): BenchmarkSettings => ({
  ...config.benchmark,
  servedModel: config.ollama.model,
  types: config.conventional.types,
  temperature: config.ollama.temperature,
  topP: config.ollama.topP,
  numCtx: config.ollama.numCtx,
  stop: config.ollama.stop,
  baselineGguf: config.benchmark.gguf.baseline,
  modelGguf: config.benchmark.gguf.model ?? exportedGguf,
});

/** The GGUF 06 wrote, when it wrote one. */
const exportedGguf = (upstream: unknown) => {
  const exported = ExportOutputsSchema.safeParse(upstream);
  return exported.success && exported.data.format === "gguf" ? exported.data.artifact : undefined;
};
const reportSettingsOf = (config: Config, root: string): ReportSettings => ({
  root,
  file: resolve(root, config.paths.report),
  runsDir: resolve(root, config.paths.runs),
  outputsDir: resolve(root, config.paths.outputs),
  targetSizeMB: config.export.targetSizeMB,
  diffBudgetTokens: diffBudgetOf(config),
  types: config.conventional.types,
  bootstrap: { seed: config.benchmark.seed, iterations: config.benchmark.bootstrapIterations },
});

/** The diff budget 04 cuts training diffs to: the model is served what it was trained on. */
const diffBudgetOf = (config: Config) => diffTokenBudget(TRAINING_INSTRUCTION, config.training.maxSeqLength, config.curation.maxMessageTokens);

const options = z.object({
  max: z.int().positive().optional().describe("cases per model (default benchmark.maxCases)"),
  cases: z.string().optional().describe("a case-format JSONL file instead of benchmark/cases"),
  model: z.string().optional().describe("benchmark only this model"),
  backend: z
    .enum(["ollama", "llama-cpp", "claude"])
    .optional()
    .describe("default benchmark.backend; llama-cpp: GGUF files, no server (--model FILE.gguf); claude: a gold reference"),
  mode: z.enum(["free", "structured"]).optional().describe("generation mode (default benchmark.mode)"),
  prompt: z.enum(["auto", "training", "chat"]).default("auto").describe("auto: the training prompt for the fine-tuned model, chat for others"),
  concurrency: z.int().positive().optional().describe("parallel generations (default benchmark.concurrency)"),
});

const cell = defineCell({
  id: "08-benchmark",
  title: "Benchmark before/after",
  version: 2,
  dependsOn: [extractCell, importOllamaCell],
  requires: [],
  options,
  reads: (config: Config, opts: z.output<typeof options>) => ({
    settings: settingsOf(config),
    cases: config.paths.cases,
    diffBudgetTokens: diffBudgetOf(config),
    fewShotDedupe: config.curation.nearDuplicateThreshold,
    options: opts,
  }),
  preconditions: [
    {
      // Checked line by line before any server is asked: a bad case file is named with its bad lines, whatever Ollama says.
      name: "benchmark cases",
      check: async ({ config, options: opts, root, path }) => {
        if (opts.cases && !(await pathExists(path(opts.cases)))) return `${opts.cases} does not exist`;
        const { files } = await caseFiles(root, config.paths.cases, opts.cases);
        if (files.length === 0) return `no *.jsonl case files in ${config.paths.cases}`;
        return loadCases(files, opts.max ?? config.benchmark.maxCases).then(
          () => true as const,
          (error: Error) => `${error.message} (fix or delete ${/bad lines/.test(error.message) ? "those lines" : "that line"})`,
        );
      },
      hint: "Run `npx tsx runbook/02-extract.ts` to write the held-out cases, or pass --cases FILE (any case-format JSONL).",
    },
    {
      name: "models reachable",
      check: async ({ config, options: opts, path }) => {
        const backend = opts.backend ?? config.benchmark.backend;
        if (backend === "claude") return true;
        const targets = benchmarkTargets(settingsOf(config), { ...opts, backend });
        if (backend === "ollama") return checkOllamaModels(targets.map((t) => t.model));
        const missing = [];
        for (const { model } of targets) if (!(await pathExists(path(model)))) missing.push(model);
        return missing.length === 0 || `GGUF file not found: ${missing.join(", ")}`;
      },
      hint: "Start Ollama (`ollama serve`; OLLAMA_HOST if elsewhere); `ollama pull llama3.2:1b` for the baseline; `npx tsx runbook/07-import.ts` for joco.",
    },
    {
      name: "ANTHROPIC_API_KEY for --backend claude",
      check: ({ options: opts }) => opts.backend !== "claude" || Boolean(process.env.ANTHROPIC_API_KEY) || "ANTHROPIC_API_KEY is not set",
      hint: "export ANTHROPIC_API_KEY=… (read by the Anthropic SDK, never written anywhere).",
    },
  ],
  outputs: BenchmarkOutputsSchema,
  // The few-shot run too, when there was one: a deleted run file makes 08 run again.
  outs: (config, outputs) => [...outputs.runs, outputs.reference, ...(outputs.fewShot ? [outputs.fewShot] : [])].map((id) => runFile(config.paths.runs, id)),
  run: async ({ config, options: opts, root, path, signal, force, log, upstream }) => {
    const settings = settingsOf(config, exportedGguf(upstream("06-export")));
    const backend = opts.backend ?? config.benchmark.backend;
    const source = await caseFiles(root, config.paths.cases, opts.cases);
    const loaded = await loadCases(source.files, opts.max ?? config.benchmark.maxCases);
    const { cases, truncated } = fitCaseDiffs(loaded.cases, diffBudgetOf(config));
    if (cases.length === 0) throw new RunbookError(`No cases in ${source.label}`, "Check the case file(s): one JSON case per line.");
    const longHeaders = loaded.longHeaders ? `; ${loaded.longHeaders} passed over for a header over 72 characters (the policy training follows)` : "";
    log(`${cases.length} cases from ${source.label}${longHeaders}`);
    log(`Diffs cut to ${diffBudgetOf(config)} estimated tokens, as 04 cuts training diffs: ${truncated} of ${cases.length} truncated (${((100 * truncated) / cases.length).toFixed(1)}%)`);
    const fewShot = await fewShotIndexFor(config, opts, path(config.paths.dataset, "train.jsonl"), cases, log);

    const mode = opts.mode ?? config.benchmark.mode;
    const context = {
      runsDir: path(config.paths.runs),
      cases,
      casesFile: source.label,
      types: settings.types,
      concurrency: opts.concurrency ?? config.benchmark.concurrency,
      signal,
      force,
      log,
    };
    const runs = [];
    let fewShotRun;
    const targets = benchmarkTargets(settings, { ...opts, backend }, fewShot !== null).map((t) => (t.backend === "llama-cpp" ? { ...t, model: path(t.model) } : t));
    if (targets.length === 0) throw new RunbookError("No GGUF file to benchmark", "Run 06-export, or set benchmark.gguf.model, or pass --model FILE.gguf.");
    for (const target of targets) {
      const run = await runWithProgress(await createGenerator(target, settings, mode, opts.prompt, fewShot ?? undefined), context);
      if (target.fewShot) fewShotRun = run;
      else runs.push(run);
    }
    const reference = await runWithProgress(createReferenceGenerator(), { ...context, concurrency: 8 });
    log(renderBenchmarkReport(runs, reference, { seed: settings.seed, iterations: settings.bootstrapIterations }, fewShotRun));
    const pageRuns = fewShotRun ? [runs[0]!, fewShotRun, ...runs.slice(1)] : runs;
    log(await writeBenchmarkPage(pageRuns, reference, cases, upstream, reportSettingsOf(config, root)));
    const ids = { runs: runs.map((r) => r.runId), reference: reference.runId, ...(fewShotRun ? { fewShot: fewShotRun.runId } : {}) };
    return { ...ids, cases: cases.length, casesFile: source.label, truncated };
  },
  summarize: (out) => `${out.cases} cases; runs ${[...out.runs, ...(out.fewShot ? [out.fewShot] : [])].join(", ")}`,
  subcommands: {
    compare: {
      description: "compare any two runs (ids in benchmark/runs, or .json paths): before → after",
      usage: "compare <runA> <runB>",
      run: async ({ config, root, args, log }) => {
        if (args.length !== 2) throw new UsageError("compare takes two runs", "npx tsx runbook/08-benchmark.ts compare <runA> <runB>");
        const { seed, bootstrapIterations: iterations } = config.benchmark;
        log(await renderSavedComparison(resolve(root, config.paths.runs), [args[0]!, args[1]!], config.conventional.types, { seed, iterations }));
      },
    },
    report: {
      description: "rebuild the report page (paths.report) for saved runs, before first; default: the runs 08 recorded last",
      usage: "report [runA runB …]",
      run: async ({ config, root, args, log }) => log(await writeSavedRunsPage(args, reportSettingsOf(config, root))),
    },
    usage: {
      description: "score real use in repository DIR (or a joco-usage.jsonl): suggestions against what was committed, per model",
      usage: "--usage DIR",
      run: async ({ root, args, log }) => {
        if (args.length !== 1) throw new UsageError("--usage takes one repository (or usage log)", "npx tsx runbook/08-benchmark.ts --usage DIR");
        log(await renderUsageReport(resolve(root, args[0]!)));
      },
    },
  },
});

/** The training set's index for the few-shot baseline, or null (with the reason said) when there is none to run. */
async function fewShotIndexFor(
  config: Config,
  opts: z.output<typeof options>,
  trainFile: string,
  cases: Parameters<typeof loadFewShotIndex>[1],
  log: (line: string) => void,
): Promise<FewShotIndex | null> {
  const { k, exampleDiffChars } = config.benchmark.fewShot;
  if (opts.model || (opts.backend ?? config.benchmark.backend) !== "ollama" || k === 0) return null;
  if (!(await pathExists(trainFile))) {
    log(chalk.yellow(`No ${config.paths.dataset}/train.jsonl: the ${k}-shot baseline is left out (run 04-curate to have one).`));
    return null;
  }
  const index = await loadFewShotIndex(trainFile, cases, { exampleDiffChars, nearDuplicateThreshold: config.curation.nearDuplicateThreshold });
  const excluded = index.excluded.size ? `; ${index.excluded.size} left out as (near-)copies of benchmark cases` : "";
  log(chalk.gray(`${k}-shot baseline: examples retrieved (BM25) from ${index.size} training examples${excluded}.`));
  return index.size > 0 ? index : null;
}

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
