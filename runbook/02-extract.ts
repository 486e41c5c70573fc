/**
 * 02-extract — per training repository, filtered and budget-truncated diffs
 * (dataset/raw/<name>.jsonl); from the benchmark source, held-out cases
 * (benchmark/cases/<name>.jsonl).
 */
import { z } from "zod";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { SKIP_REASON_NAMES } from "../lib/extract/filters.js";
import { type ExtractJob, type ExtractJobResult, renderExtractSummary, runExtractionJob } from "../lib/extract/jobs.js";
import { cloneTarget, inspectClone } from "../lib/extract/git.js";
import { allSources, checkHeldOut, checkNames, repositoryLabel } from "../lib/extract/sources.js";
import { chalk } from "../lib/core/ui.js";
import { ConfigSchema, type Config } from "./00-config.js";
import cloneCell from "./01-clone.js";

type Options = { max?: number };

function jobsOf(config: Config, options: Options, path: (...s: string[]) => string): ExtractJob[] {
  return allSources(config).map((source) => ({
    dir: cloneTarget(path(config.paths.repos), source),
    file: path(source.role === "train" ? config.paths.raw : config.paths.cases, `${source.name}.jsonl`),
    settings: {
      name: source.name,
      repository: repositoryLabel(source.name, source.url),
      role: source.role,
      max: source.role === "train" ? (options.max ?? source.max ?? config.extract.maxPerRepo) : (source.max ?? config.benchmark.maxCases),
      diffBudgetChars: config.extract.diffBudgetChars,
      maxChangedLines: config.extract.maxChangedLines,
      maxFiles: config.extract.maxFiles,
      maxBlobBytes: config.extract.maxBlobBytes,
      types: config.conventional.types,
    },
  }));
}

const RepoResultSchema = z.object({
  name: z.string(),
  role: z.enum(["train", "benchmark"]),
  file: z.string(),
  head: z.string(),
  settingsKey: z.string(),
  reused: z.boolean(),
  stamp: z.object({ size: z.number(), hash: z.string() }).optional(),
  scanned: z.number(),
  kept: z.number(),
  skipped: z.record(z.enum(SKIP_REASON_NAMES), z.number()),
});

const cell = defineCell({
  id: "02-extract",
  title: "Extract diffs and benchmark cases",
  version: 1,
  dependsOn: [cloneCell],
  options: z.object({
    max: z.int().positive().optional().describe("commits per training repository (overrides repos[].max and extract.maxPerRepo)"),
  }),
  reads: (config: Config, options: Options) => ({
    ...(options.max ? { max: options.max } : {}),
    repos: config.repos,
    source: config.benchmark.source,
    maxCases: config.benchmark.maxCases,
    extract: config.extract,
    types: config.conventional.types,
    paths: { repos: config.paths.repos, raw: config.paths.raw, cases: config.paths.cases },
  }),
  preconditions: [
    {
      name: "benchmark source held out",
      check: ({ config }) => checkHeldOut(config),
      hint: "Remove the benchmark source from repos, or pick another benchmark.source.",
    },
    {
      name: "a name of its own for every repository",
      check: ({ config }) => checkNames(config),
      hint: "Rename one of each pair in joco.config.json (the name is its folder tmp/repos/<name> and its file dataset/raw/<name>.jsonl).",
    },
    {
      name: "every repository cloned",
      check: async ({ config, options, path }) => {
        const missing: string[] = [];
        for (const job of jobsOf(config, options, path)) if (!(await inspectClone(job.dir))) missing.push(job.settings.name);
        return missing.length === 0 || `no usable clone of ${missing.join(", ")} under ${config.paths.repos}`;
      },
      hint: "Run `npx tsx runbook/01-clone.ts` (it clones only what is missing).",
    },
  ],
  outputs: z.object({ kept: z.number(), cases: z.number(), repos: z.array(RepoResultSchema) }),
  outs: (_config, outputs) => outputs.repos.map((repo) => repo.file),
  run: async (ctx) => {
    const previous = z.record(z.string(), RepoResultSchema).catch({}).parse(ctx.state.get().repos ?? {});
    const results: ExtractJobResult[] = [];
    for (const job of jobsOf(ctx.config, ctx.options, ctx.path)) {
      const result = await runExtractionJob(job, { previous: previous[job.settings.name], force: ctx.force, signal: ctx.signal });
      results.push(result);
      previous[result.name] = result;
      await ctx.state.save({ repos: previous });
      if (result.kept < job.settings.max && !result.reused) {
        ctx.log(chalk.yellow(`  ${result.name}: ${result.kept} of ${job.settings.max} wanted — its history (clone depth) ran out`));
      }
    }
    ctx.log(renderExtractSummary(results));
    const sum = (role: string) => results.filter((r) => r.role === role).reduce((n, r) => n + r.kept, 0);
    return { kept: sum("train"), cases: sum("benchmark"), repos: results };
  },
  summarize: (out) => `${out.kept} diffs from ${out.repos.length - 1} repositories, ${out.cases} benchmark cases`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
