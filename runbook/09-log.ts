/**
 * 09-log — Append to the experiment log
 *
 * One dated entry in EXPERIMENT_LOG.md: what was tried and why, the
 * configuration, the dataset, the training figures with the loss curve, the
 * before/after table of 08 with a link to its report page, the model's size
 * and the run ids. Append only: earlier entries are never rewritten.
 */
import { dirname, relative } from "node:path";
import { z } from "zod";
import { BenchmarkOutputsSchema } from "../lib/benchmark/benchmark.js";
import { renderBenchmarkMarkdown } from "../lib/benchmark/report.js";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { RunbookError } from "../lib/core/errors.js";
import { pathExists } from "../lib/core/files.js";
import { appendExperimentEntry, renderExperimentEntry } from "../lib/log/experiment.js";
import { readDatasetStats, readModelFile, readTrainingFigures } from "../lib/log/sources.js";
import { loadRun } from "../lib/benchmark/runs.js";
import { ConfigSchema, type Config } from "./00-config.js";
import benchmarkCell from "./08-benchmark.js";

const configRows = (config: Config): Array<[string, string]> => {
  const { training: t, export: e } = config;
  return [
    ["base model", t.baseModel],
    ["LoRA", `r ${t.lora.r}, alpha ${t.lora.alpha}, dropout ${t.lora.dropout} on ${t.lora.targetModules.join(", ")}`],
    ["epochs", String(t.epochs)],
    ["learning rate", String(t.learningRate)],
    ["batch × accumulation", `${t.batchSize} × ${t.gradientAccumulationSteps}`],
    ["max sequence length", String(t.maxSeqLength)],
    ["quantization", e.quantization],
    ["benchmark", `${config.benchmark.mode} mode, temperature ${config.ollama.temperature}, top_p ${config.ollama.topP}, seed ${config.benchmark.seed}`],
  ];
};

const cell = defineCell({
  id: "09-log",
  title: "Append to the experiment log",
  version: 1,
  dependsOn: [benchmarkCell],
  options: z.object({
    title: z.string().optional().describe("entry title (default log.title, else the models compared)"),
    hypothesis: z.string().optional().describe("what this experiment tests (default log.hypothesis)"),
  }),
  reads: (config: Config, options) => ({ log: config.log, options, training: config.training, export: config.export, paths: config.paths }),
  preconditions: [],
  outputs: z.object({ file: z.string(), title: z.string(), runs: z.array(z.string()) }),
  run: async ({ config, options, path, upstream, log }) => {
    const benchmark = BenchmarkOutputsSchema.safeParse(upstream("08-benchmark"));
    if (!benchmark.success) throw new RunbookError("08-benchmark has no recorded runs", "Run `npx tsx runbook/08-benchmark.ts` first.");
    const runsDir = path(config.paths.runs);
    const runs = await Promise.all(benchmark.data.runs.map((id) => loadRun(runsDir, id)));
    const reference = await loadRun(runsDir, benchmark.data.reference);
    const fewShot = benchmark.data.fewShot ? await loadRun(runsDir, benchmark.data.fewShot) : undefined;
    const title = options.title ?? config.log.title ?? runs.map((r) => r.model).join(" → ");

    const entry = renderExperimentEntry({
      date: new Date(),
      title,
      hypothesis: options.hypothesis ?? config.log.hypothesis ?? null,
      config: [...configRows(config), ["cases", `${benchmark.data.cases} from ${benchmark.data.casesFile}`]],
      dataset: await readDatasetStats(path(config.paths.dataset, "stats.json")),
      training: await readTrainingFigures(upstream("05-train"), path(config.paths.outputs)),
      benchmarkMarkdown: renderBenchmarkMarkdown(runs, reference, { seed: config.benchmark.seed, iterations: config.benchmark.bootstrapIterations }, fewShot),
      model: readModelFile(upstream("06-export"), config.export.targetSizeMB),
      runs: [
        ...runs.map((r, i): [string, string] => [runs.length === 2 ? `${i === 0 ? "before" : "after"} (${r.model})` : r.model, r.runId]),
        ...(fewShot ? [[`few-shot baseline (${fewShot.model}${fewShot.variant ? `, ${fewShot.variant}` : ""})`, fewShot.runId] as [string, string]] : []),
        ["reference", reference.runId],
      ],
      reportPage: (await pathExists(path(config.paths.report))) ? relative(dirname(path(config.paths.experimentLog)), path(config.paths.report)) : null,
    });
    await appendExperimentEntry(path(config.paths.experimentLog), entry);
    log(`Appended "${title}" to ${config.paths.experimentLog}`);
    return { file: config.paths.experimentLog, title, runs: [...runs.map((r) => r.runId), ...(fewShot ? [fewShot.runId] : []), reference.runId] };
  },
  summarize: (out) => `appended "${out.title}" to ${out.file}`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
