/**
 * `run.ts suggest` and `run.ts hook …`: the model at work in the user's own
 * repository. The message goes to stdout alone (so `git commit -m "$(…)"`
 * works); everything else goes to stderr.
 */
import { join, resolve } from "node:path";
import { z } from "zod";
import { defineCommand } from "../core/command.js";
import { DEFAULT_CONFIG_FILE } from "../core/config.js";
import { UsageError } from "../core/errors.js";
import { worktreeTop } from "./git.js";
import { describeHookState, hookStates, installHooks, uninstallHooks } from "./hook-install.js";
import { logSuggestion, prepareCommitMessage, recordCommittedMessage } from "./hook-run.js";
import { SUGGEST_BACKENDS, type SuggestConfig, suggestSettingsOf } from "./settings.js";
import { suggestForStaged } from "./suggest.js";

/** The folder holding runbook/run.ts: the installed hook calls it, wherever `hook install` was run from. */
const PROJECT = resolve(import.meta.dirname, "../..");
const repoOption = z.string().optional().describe("the repository (default: the current folder)");
const say = (line: string) => process.stderr.write(`${line}\n`);

const suggestOptions = z.object({
  repo: repoOption,
  model: z.string().optional().describe("the model to ask (default: hook.model, else ollama.model)"),
  mode: z.enum(["structured", "free"]).optional().describe("structured: valid by construction (default: hook.mode)"),
  backend: z.enum(SUGGEST_BACKENDS).default("ollama").describe("llama-cpp: a GGUF through the embedded llama.cpp"),
  verbose: z.boolean().default(false).describe("also print the model, the latency and the diff's size (stderr)"),
});

export const suggestCommand = defineCommand<SuggestConfig, typeof suggestOptions>({
  usage: "suggest [--repo DIR]",
  description: "print a commit message for the staged diff (git diff --cached), written by the fine-tuned model",
  options: suggestOptions,
  run: async ({ config, options }) => {
    const repo = await worktreeTop(resolve(options.repo ?? "."));
    const settings = suggestSettingsOf(config, options);
    const outcome = await suggestForStaged(repo, settings);
    if (outcome.kind === "nothing-staged") {
      say(`Nothing is staged in ${repo}: \`git add\` the changes to describe, then suggest again.`);
      return 1;
    }
    if (outcome.kind === "failed") {
      say(`${outcome.model} gave no suggestion: ${outcome.error}`);
      return 1;
    }
    console.log(outcome.message);
    const { staged } = outcome;
    if (options.verbose) {
      const latency = outcome.latencyMs === null ? "—" : `${Math.round(outcome.latencyMs)} ms`;
      say(`${outcome.model} (${settings.mode}, ${settings.backend}): ${latency}; diff of ${staged.files} file(s), ${staged.diff.length} characters${staged.truncated ? `, truncated to ${settings.diffBudgetChars}` : ""}`);
    }
    await logSuggestion(repo, outcome, settings);
    return 0;
  },
});

const HOOK_ACTIONS = "install | uninstall | status";

const hookOptions = z.object({ repo: repoOption });

export const hookCommand = defineCommand<SuggestConfig, typeof hookOptions>({
  usage: "hook install|uninstall|status",
  description: "the prepare-commit-msg hook: a plain `git commit` opens with the model's suggestion (--repo DIR)",
  options: hookOptions,
  run: async ({ config, configFile, options, args, log }) => {
    const [action, ...rest] = args;
    const repo = resolve(options.repo ?? ".");
    switch (action) {
      case "install": {
        // The project's own joco.config.json is found by the hook anyway; any other file is passed on.
        const config = configFile && configFile !== join(PROJECT, DEFAULT_CONFIG_FILE) ? configFile : undefined;
        (await installHooks(repo, { project: PROJECT, node: process.execPath, config })).forEach((line) => log(line));
        log("A plain `git commit` now opens with a suggestion; `npx tsx runbook/run.ts hook uninstall` turns it off.");
        return 0;
      }
      case "uninstall":
        (await uninstallHooks(repo)).forEach((line) => log(line));
        return 0;
      case "status": {
        const { dir, hooksPath, hooks } = await hookStates(repo);
        log(`hooks folder: ${dir}${hooksPath ? ` (core.hooksPath = ${hooksPath})` : ""}`);
        hooks.forEach((hook) => log(describeHookState(hook)));
        return 0;
      }
      // The installed hooks call these two; they always succeed, so a commit never fails because of joco.
      case "prepare-commit-msg": {
        const [messageFile = "", source = ""] = rest;
        const settings = suggestSettingsOf(config);
        await prepareCommitMessage({ repo, messageFile, source, settings, timeoutMs: config.hook.timeoutMs, elapsedMs: performance.now() });
        return 0;
      }
      case "post-commit":
        await recordCommittedMessage(repo);
        return 0;
      default:
        throw new UsageError(action ? `Unknown hook action "${action}"` : "hook needs an action", `npx tsx runbook/run.ts hook ${HOOK_ACTIONS} [--repo DIR]`);
    }
  },
});
