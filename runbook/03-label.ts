/**
 * 03-label — Label diffs (Claude or original messages)
 *
 * Every raw diff gets a Conventional Commit label: from Claude (structured
 * output, validated, cached per diff, costed) or from the commit's own message
 * when it is already conventional. Resumable at any point: a re-run labels
 * only what has no label yet, and retries only what failed.
 */
import { join } from "node:path";
import { z } from "zod";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { pathExists } from "../lib/core/files.js";
import { labelInBatches } from "../lib/label/batch.js";
import { openLabelCache } from "../lib/label/cache.js";
import { labelConcurrently, pendingItems, readRawSources, writeLabeledFiles } from "../lib/label/run.js";
import { LabelSummarySchema, judgeFailures, oneLineSummary, renderLabelSummary, summarizeLabeling } from "../lib/label/summary.js";
import { createLabeler, isClaudeLabeler, priceFor, resolveBackend } from "../lib/label/labelers/index.js";
import { chalk, createProgressBar } from "../lib/core/ui.js";
import { ConfigSchema, type Config } from "./00-config.js";
import extractCell from "./02-extract.js";

const Options = z.object({
  backend: z.enum(["auto", "claude", "original"]).optional().describe("overrides labeling.backend"),
  batch: z.boolean().default(false).describe("use the Message Batches API (half price, asynchronous; resumes a submitted batch)"),
});
const backendOf = (config: Config, options: z.output<typeof Options>) => options.backend ?? config.labeling.backend;

const cell = defineCell({
  id: "03-label",
  title: "Label diffs (Claude or original messages)",
  version: 1,
  dependsOn: [extractCell],
  options: Options,
  // What changes a label; concurrency, retries and --batch only change how fast or how cheaply it comes.
  reads: (config: Config, options) => ({
    backend: backendOf(config, options),
    model: config.labeling.model,
    maxTokens: config.labeling.maxTokens,
    types: config.conventional.types,
  }),
  preconditions: [
    {
      name: "ANTHROPIC_API_KEY for the claude backend",
      check: ({ config, options }) =>
        backendOf(config, options) !== "claude" || Boolean(process.env.ANTHROPIC_API_KEY) || "labeling.backend is claude but ANTHROPIC_API_KEY is not set",
      hint: "export ANTHROPIC_API_KEY=…, or use --backend original.",
    },
    {
      name: "a price for the labeling model",
      check: ({ config, options }) => {
        if (resolveBackend(backendOf(config, options)).backend !== "claude") return true;
        const price = priceFor(config.labeling.model, config.labeling.prices);
        return typeof price === "string" ? price : true;
      },
      hint: 'Add labeling.prices["<model>"] = { input, output, cacheWrite, cacheRead } (USD per million tokens) to joco.config.json.',
    },
    {
      name: "raw diffs from 02-extract",
      check: async ({ config, path }) => {
        const missing = [];
        for (const { name } of config.repos) if (!(await pathExists(path(config.paths.raw, `${name}.jsonl`)))) missing.push(name);
        return missing.length === 0 || `no ${config.paths.raw}/<name>.jsonl for ${missing.join(", ")}`;
      },
      hint: "Run `npx tsx runbook/02-extract.ts` (it writes one raw file per configured repository).",
    },
  ],
  outputs: LabelSummarySchema,
  outs: (config) => config.repos.map((repo) => join(config.paths.labeled, `${repo.name}.jsonl`)),
  run: async ({ config, options, path, force, signal, log, state }) => {
    const sources = await readRawSources(path(config.paths.raw), config.repos.map((repo) => repo.name));
    const items = sources.flatMap((source) => source.items);
    const { labeler, why } = await createLabeler({ ...config.labeling, backend: backendOf(config, options), types: config.conventional.types });
    log(why);
    const cache = await openLabelCache(path(config.labeling.cacheFile), { ignoreExisting: force, warn: (message) => log(chalk.yellow(message)) });
    const pending = pendingItems(items, labeler, cache);
    log(`${items.length} diffs, ${pending.length} to label${force ? " (--force: all afresh)" : " (the others are labeled already)"}`);

    let tally;
    if (options.batch && isClaudeLabeler(labeler)) {
      tally = await labelInBatches(pending, { labeler, cache, pollIntervalMs: config.labeling.batchPollIntervalMs, signal, state, log });
    } else {
      if (options.batch) log("--batch ignored: the original labeler makes no API calls");
      const bar = await createProgressBar("labeling", pending.length);
      try {
        tally = await labelConcurrently(pending, {
          labeler,
          cache,
          concurrency: config.labeling.concurrency,
          signal,
          onProgress: (done, sofar) => bar.update(done, sofar.failed.length ? `${sofar.failed.length} failed` : ""),
        });
      } finally {
        bar.stop();
      }
    }

    await cache.compact();
    const records = await writeLabeledFiles(path(config.paths.labeled), sources, labeler, cache);
    const summary = summarizeLabeling(labeler, items.length, records, tally);
    log(renderLabelSummary(summary));
    await state.save({ failures: tally.failed.slice(0, 100) });
    for (const failure of tally.failed.slice(0, 10)) log(`  ✗ ${failure.id}: ${failure.error}`);
    const { note, error } = judgeFailures(tally.failed, items.length, config.labeling.maxFailedFraction);
    if (error) throw error;
    if (note) log(chalk.yellow(note));
    return summary;
  },
  summarize: oneLineSummary,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
