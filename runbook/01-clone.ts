/**
 * 01-clone — shallow, no-checkout clones of every training repository and of
 * the benchmark source into tmp/repos/<name>, several at a time; idempotent.
 */
import { z } from "zod";
import { defineCell } from "../lib/core/cell.js";
import { isMain } from "../lib/core/cli.js";
import { runCellScript } from "../lib/core/runner.js";
import { CLONE_ACTIONS, type CloneResult, syncRepositories } from "../lib/extract/clone.js";
import { RunbookError } from "../lib/core/errors.js";
import { cloneTarget, redactUrls, runGit } from "../lib/extract/git.js";
import { allSources, checkHeldOut, checkNames } from "../lib/extract/sources.js";
import { chalk, formatDuration } from "../lib/core/ui.js";
import { ConfigSchema, type Config } from "./00-config.js";

const cell = defineCell({
  id: "01-clone",
  title: "Clone source repositories",
  version: 1,
  dependsOn: [],
  options: z.object({
    refresh: z.boolean().default(false).describe("fetch existing clones again"),
  }),
  // --refresh is an input too: a done cell must run again for it, and what comes after it becomes stale.
  reads: (config: Config, options: { refresh: boolean }) => ({
    repos: config.repos,
    source: config.benchmark.source,
    clone: config.clone,
    dir: config.paths.repos,
    ...(options.refresh ? { refresh: true } : {}),
  }),
  preconditions: [
    {
      name: "git on PATH",
      check: async () => runGit(["--version"]).then(() => true as const),
      hint: "Install git (https://git-scm.com/downloads).",
    },
    {
      name: "safe repository names and URLs",
      check: ({ config, path }) => {
        for (const repo of allSources(config)) cloneTarget(path(config.paths.repos), repo);
        return true;
      },
      hint: "Names: letters, digits, '.', '_', '-'; URLs may not start with '-'.",
    },
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
  ],
  outputs: z.object({
    repos: z.array(
      z.object({ name: z.string(), path: z.string(), commits: z.number(), head: z.string(), action: z.enum(CLONE_ACTIONS) }),
    ),
  }),
  outs: (_config, outputs) => outputs.repos.map((repo) => repo.path),
  run: async (ctx) => {
    const { config } = ctx;
    const repos = allSources(config).map((r) => ({ name: r.name, url: r.url, depth: r.depth ?? config.clone.depth }));
    ctx.log(`${repos.length} repositories → ${config.paths.repos} (depth ${config.clone.depth}, ${config.clone.concurrency} at a time)`);
    const results = await syncRepositories(repos, {
      reposDir: ctx.path(config.paths.repos),
      refresh: ctx.options.refresh,
      concurrency: config.clone.concurrency,
      signal: ctx.signal,
      onStart: (repo, what) => ctx.log(chalk.gray(`  … ${repo.name}: ${what} ${redactUrls(repo.url)}`)),
      onResult: (result) => ctx.log(progressLine(result)),
    });
    await ctx.state.save({ clones: Object.fromEntries(results.map((r) => [r.name, { action: r.action, head: r.head, error: r.error }])) });

    const failed = results.filter((r) => r.action === "failed");
    const done = results.filter((r): r is CloneResult & { action: (typeof CLONE_ACTIONS)[number] } => r.action !== "failed");
    if (failed.length) {
      throw new RunbookError(
        `${failed.length} of ${results.length} repositories failed:\n${failed.map((r) => `  ${r.name}: ${r.error}`).join("\n")}`,
        "Fix the URLs or the network, then re-run: only the failed repositories are tried again.",
      );
    }
    return { repos: done.map((r) => ({ name: r.name, path: r.path, commits: r.commits ?? 0, head: r.head ?? "", action: r.action })) };
  },
  summarize: (out) => {
    const cloned = out.repos.filter((r) => r.action !== "kept").length;
    return `${out.repos.length} repositories (${cloned} cloned or fetched, ${out.repos.length - cloned} kept)`;
  },
});

function progressLine(r: CloneResult): string {
  if (r.action === "failed") return `${chalk.red("✗")} ${r.name}: failed after ${formatDuration(r.ms)}\n    ${(r.error ?? "").replace(/\n/g, "\n    ")}`;
  const replaced = r.replaced ? chalk.yellow(` (replaced ${r.replaced})`) : "";
  return `${chalk.green("✓")} ${r.name}: ${r.action}, ${r.commits} commits, HEAD ${r.head?.slice(0, 12)} (${formatDuration(r.ms)})${replaced}`;
}

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell, ConfigSchema);
