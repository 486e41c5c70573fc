/**
 * 04-curate — Curate the training set
 *
 * Every labeled diff goes through the filters of lib/curate/filters.ts (type
 * map, release, commitlint, rubric, exact / near / same-message duplicates,
 * fit to the token budget, leakage into the benchmark, caps, down-sampling),
 * is split train / validation by a seeded, type-stratified draw, and written
 * to dataset/ with stats.json. The tables say how many survive each filter.
 */
import { relative } from "node:path";
import { z } from "zod";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { assertTargetReached, curate } from "../lib/curate/pipeline.js";
import { curationStats, renderCurationTables } from "../lib/curate/report.js";
import { datasetFiles, labeledFileOf, readCasesFolder, readLabeledFiles, writeDataset } from "../lib/curate/dataset.js";
import { pathExists } from "../lib/core/files.js";
import { TRAINING_INSTRUCTION } from "../lib/conventional/prompt.js";
import { chalk } from "../lib/core/ui.js";
import { ConfigSchema, type Config } from "./00-config.js";
import labelCell from "./03-label.js";

const cell = defineCell({
  id: "04-curate",
  title: "Curate the training set",
  version: 2,
  dependsOn: [labelCell],
  options: z.object({}),
  reads: (config: Config) => ({
    curation: config.curation,
    types: config.conventional.types,
    maxSeqLength: config.training.maxSeqLength,
    numPredict: { ollama: config.ollama.numPredict, benchmark: config.benchmark.numPredict },
    repos: config.repos.map((repo) => repo.name),
    paths: { labeled: config.paths.labeled, cases: config.paths.cases, dataset: config.paths.dataset },
  }),
  preconditions: [
    {
      name: "labeled diffs of every configured repository",
      check: async ({ config, path }) => {
        const files = config.repos.map((repo) => labeledFileOf(config.paths.labeled, repo.name));
        const missing = [];
        for (const file of files) if (!(await pathExists(path(file)))) missing.push(file);
        return missing.length === 0 || `missing ${missing.join(", ")}`;
      },
      hint: "Run `npx tsx runbook/03-label.ts` first.",
    },
    {
      name: "curation.typeMap maps into conventional.types",
      check: ({ config }) => {
        const wrong = Object.entries(config.curation.typeMap).filter(([, to]) => to !== null && !config.conventional.types.includes(to));
        return wrong.length === 0 || wrong.map(([from, to]) => `curation.typeMap.${from}: "${to}" is not in conventional.types`).join("; ");
      },
      hint: "Map each type to one of conventional.types, or to null to drop it.",
    },
    {
      name: "every trained message can be generated (curation.maxMessageTokens ≤ numPredict)",
      check: ({ config }) => {
        const cap = config.curation.maxMessageTokens;
        const short = [["ollama.numPredict", config.ollama.numPredict], ["benchmark.numPredict", config.benchmark.numPredict]].filter(([, n]) => (n as number) < cap);
        return short.length === 0 || short.map(([key, n]) => `${key} ${n} < curation.maxMessageTokens ${cap}`).join("; ");
      },
      hint: "Raise ollama.numPredict / benchmark.numPredict, or lower curation.maxMessageTokens: a model cannot learn to finish a message it is cut off in.",
    },
  ],
  outputs: z.object({
    train: z.int(),
    validation: z.int(),
    labeled: z.int(),
    dropped: z.int(),
    truncated: z.int(),
    /** Messages whose body was cut by curation.maxBodyLines / maxMessageTokens. */
    capped: z.int(),
    /** Estimated tokens of the longest message kept: what numPredict must cover. */
    maxMessageTokens: z.int(),
    /** The diff budget (estimated tokens) 04 and 08 cut diffs to. */
    diffBudgetTokens: z.int(),
    benchmarkCases: z.int(),
    byType: z.record(z.string(), z.int()),
  }),
  outs: (config) => {
    const files = datasetFiles(config.paths.dataset, config.curation.chatFormat);
    return [files.train, files.validation, ...(files.chat ? [files.chat.train, files.chat.validation] : []), files.stats, files.manifest];
  },
  run: async ({ config, root, path, log }) => {
    const labeled = await readLabeledFiles(path(config.paths.labeled), config.repos.map((repo) => repo.name));
    const { files: caseFiles, cases } = await readCasesFolder(path(config.paths.cases));
    if (cases.length === 0) log(chalk.yellow(`No benchmark cases in ${config.paths.cases}: leakage into the benchmark is not checked.`));
    else log(chalk.gray(`Checking leakage against ${cases.length} benchmark cases (${caseFiles.length} file(s)).`));

    const settings = { ...config.curation, types: config.conventional.types, instruction: TRAINING_INSTRUCTION, maxSeqLength: config.training.maxSeqLength, cases };
    const result = await curate(labeled, settings);
    const stats = curationStats(result, settings);
    log(renderCurationTables(stats, config.conventional.types));
    assertTargetReached(result.kept.length, config.curation.target, config.curation.max);

    const files = await writeDataset(path(config.paths.dataset), result.split, stats, { chat: config.curation.chatFormat });
    const written = [files.train, files.validation, ...(files.chat ? [files.chat.train, files.chat.validation] : []), files.stats, files.manifest];
    log(`Wrote ${written.map((file) => relative(root, file)).join(", ")}`);
    return {
      train: stats.examples.train,
      validation: stats.examples.validation,
      labeled: labeled.length,
      dropped: stats.dropped.length,
      truncated: stats.tokens.truncatedExamples,
      capped: stats.messages.capped,
      maxMessageTokens: stats.messages.tokens.max,
      diffBudgetTokens: stats.tokens.diffBudget,
      benchmarkCases: cases.length,
      byType: Object.fromEntries(Object.entries(stats.byType).map(([type, n]) => [type, n.train + n.validation])),
    };
  },
  summarize: (out) => `${out.train} train / ${out.validation} validation from ${out.labeled} labeled (${out.truncated} truncated)`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
