/**
 * 08-benchmark — Benchmark before/after
 *
 * The baseline and the fine-tuned model over the same held-out cases, scored
 * by the metrics of DESIGN §6, each run stored as benchmark/runs/<runId>.json
 * and resumable per case; the before/after table says which differences are
 * significant, beside the ceiling of the reference messages themselves.
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
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { RunbookError, UsageError } from "../lib/core/errors.js";
import { pathExists } from "../lib/core/files.js";
import { createReferenceGenerator } from "../lib/benchmark/generators/reference.js";
import { runFile } from "../lib/benchmark/runs.js";
import { ConfigSchema, type Config } from "./00-config.js";
import extractCell from "./02-extract.js";
import importOllamaCell from "./07-import.js";

const settingsOf = (config: Config): BenchmarkSettings => ({
  ...config.benchmark,
  servedModel: config.ollama.model,
  types: config.conventional.types,
  temperature: config.ollama.temperature,
  topP: config.ollama.topP,
  numCtx: config.ollama.numCtx,
});

const options = z.object({
  max: z.int().positive().optional().describe("cases per model (default benchmark.maxCases)"),
  cases: z.string().optional().describe("a case-format JSONL file instead of benchmark/cases"),
  model: z.string().optional().describe("benchmark only this model"),
  backend: z.enum(["ollama", "claude"]).default("ollama").describe("claude: a gold reference (benchmark.claudeModel unless --model)"),
  mode: z.enum(["free", "structured"]).optional().describe("generation mode (default benchmark.mode)"),
  prompt: z.enum(["auto", "training", "chat"]).default("auto").describe("auto: the training prompt for the fine-tuned model, chat for others"),
  concurrency: z.int().positive().optional().describe("parallel generations (default benchmark.concurrency)"),
});

const cell = defineCell({
  id: "08-benchmark",
  title: "Benchmark before/after",
  version: 1,
  dependsOn: [extractCell, importOllamaCell],
  requires: [],
  options,
  reads: (config: Config, opts: z.output<typeof options>) => ({
    settings: settingsOf(config),
    cases: config.paths.cases,
    diffBudgetChars: config.extract.diffBudgetChars,
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
      check: ({ config, options: opts }) =>
        opts.backend === "claude" || checkOllamaModels(benchmarkTargets(settingsOf(config), opts).map((t) => t.model)),
      hint: "Start Ollama (`ollama serve`; OLLAMA_HOST if elsewhere); `ollama pull llama3.2:1b` for the baseline; `npx tsx runbook/07-import.ts` for joco.",
    },
    {
      name: "ANTHROPIC_API_KEY for --backend claude",
      check: ({ options: opts }) => opts.backend !== "claude" || Boolean(process.env.ANTHROPIC_API_KEY) || "ANTHROPIC_API_KEY is not set",
      hint: "export ANTHROPIC_API_KEY=… (read by the Anthropic SDK, never written anywhere).",
    },
  ],
  outputs: BenchmarkOutputsSchema,
  outs: (config, outputs) => [...outputs.runs, outputs.reference].map((id) => runFile(config.paths.runs, id)),
  run: async ({ config, options: opts, root, path, signal, force, log }) => {
    const settings = settingsOf(config);
    const source = await caseFiles(root, config.paths.cases, opts.cases);
    const cases = fitCaseDiffs(await loadCases(source.files, opts.max ?? config.benchmark.maxCases), config.extract.diffBudgetChars);
    if (cases.length === 0) throw new RunbookError(`No cases in ${source.label}`, "Check the case file(s): one JSON case per line.");
    log(`${cases.length} cases from ${source.label}`);

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
    for (const target of benchmarkTargets(settings, opts)) {
      runs.push(await runWithProgress(await createGenerator(target, settings, mode, opts.prompt), context));
    }
    const reference = await runWithProgress(createReferenceGenerator(), { ...context, concurrency: 8 });
    log(renderBenchmarkReport(runs, reference, { seed: settings.seed, iterations: settings.bootstrapIterations }));
    return { runs: runs.map((r) => r.runId), reference: reference.runId, cases: cases.length, casesFile: source.label };
  },
  summarize: (out) => `${out.cases} cases; runs ${out.runs.join(", ")}`,
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
  },
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
