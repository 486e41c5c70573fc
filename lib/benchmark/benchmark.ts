/**
 * What 08-benchmark puts together: which cases, which models through which
 * backend and prompt, and one run each with a progress bar.
 */
import { readdir } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { z } from "zod";
import { RunbookError, errorMessage } from "../core/errors.js";
import { pathExists } from "../core/files.js";
import { createClaudeGenerator } from "./generators/claude.js";
import { createLlamaCppGenerator } from "./generators/llama-cpp.js";
import { createOllamaGenerator, sameOllamaModel } from "./generators/ollama.js";
import type { PromptStyle } from "./generators/prompts.js";
import type { GenerationMode, Generator } from "./generators/types.js";
import type { FewShotIndex } from "./few-shot.js";
import { streamJsonl } from "../core/jsonl.js";
import { createOllamaClient, ollamaHost } from "../serve/ollama.js";
import { type Case, CaseSchema } from "../core/records.js";
import { type Run, executeRun } from "./runs.js";
import { createProgressBar } from "../core/ui.js";
import { fitDiffToTokens } from "../curate/tokens.js";
import { cleanCommitMessage, exceedsHeaderLimit } from "../conventional/parser.js";

/** 08's recorded outputs; 09 reads them back. With two runs, the first is "before" (the baseline) and the second "after". */
export const BenchmarkOutputsSchema = z.object({
  runs: z.array(z.string()),
  reference: z.string(),
  cases: z.int(),
  casesFile: z.string(),
  /** The few-shot baseline's run (a second "before"), when there was one. */
  fewShot: z.string().optional(),
  /** Cases whose diff the model saw cut (02's character budget or the shared token budget). */
  truncated: z.int().optional(),
});

/** The slice of the configuration a benchmark needs (runbook/00-config.ts). */
export interface BenchmarkSettings {
  baseline: string;
  model: string;
  servedModel: string;
  claudeModel: string;
  types: string[];
  temperature: number;
  topP: number;
  numCtx: number;
  numPredict: number;
  seed: number;
  bootstrapIterations: number;
  /** The Modelfile's stop sequences: the llama.cpp backend stops where Ollama would. */
  stop: string[];
  /** `--backend llama-cpp`: the baseline's GGUF (none: the fine-tuned one alone) and the fine-tuned one (default: 06's file). */
  baselineGguf?: string;
  modelGguf?: string;
  fewShot: { k: number; exampleDiffChars: number };
}

export type Backend = "ollama" | "llama-cpp" | "claude";

export interface Target {
  backend: Backend;
  /** An Ollama or Claude model name; a GGUF path for llama-cpp. */
  model: string;
  /** The baseline asked with retrieved training examples (benchmark.fewShot). */
  fewShot?: boolean;
}

/** `--cases FILE`, or every `*.jsonl` in the cases folder, in name order. */
export async function caseFiles(root: string, casesDir: string, casesOption?: string): Promise<{ files: string[]; label: string }> {
  if (casesOption) return { files: [resolve(root, casesOption)], label: casesOption };
  const dir = resolve(root, casesDir);
  const names = (await pathExists(dir)) ? (await readdir(dir)).filter((n) => n.endsWith(".jsonl")).sort() : [];
  const files = names.map((n) => join(dir, n));
  return { files, label: files.length === 1 ? relative(root, files[0]!) : casesDir };
}

export interface LoadedCases {
  cases: Case[];
  /** Cases passed over by the long-header policy (an expected header over 72 characters), before `max` was reached. */
  longHeaders: number;
}

/**
 * The first `max` cases, streamed (case files can be large); ids must be
 * unique, since runs resume by id. A case whose cleaned expected header is
 * over 72 characters is passed over: the policy training follows too
 * (`exceedsHeaderLimit`), so the model is never scored on what it was taught not to write.
 */
export async function loadCases(files: string[], max: number): Promise<LoadedCases> {
  const cases: Case[] = [];
  let longHeaders = 0;
  const seen = new Map<string, string>();
  for (const file of files) {
    for await (const item of streamJsonl(file, CaseSchema)) {
      if (cases.length >= max) return { cases, longHeaders };
      const first = seen.get(item.id);
      if (first) throw new RunbookError(`Case id ${item.id} appears twice (${first} and ${file})`, "Give every case a unique id.");
      seen.set(item.id, file);
      if (exceedsHeaderLimit(cleanCommitMessage(item.expectedMessage))) longHeaders += 1;
      else cases.push(item);
    }
  }
  return { cases, longHeaders };
}

export interface FittedCases {
  cases: Case[];
  /** Cases whose diff the model sees cut: by 02-extract's character budget (metadata.truncated) or by the token budget here. */
  truncated: number;
}

/**
 * Every case's diff cut to the diff budget training used (`diffTokenBudget`,
 * counted the same way by `fitDiffToTokens`), so the model is served the diffs
 * it was trained on: 04 and 08 cut the same diff to the same bytes. Case files
 * from elsewhere carry whole diffs (24k characters and more) and get the same.
 */
export function fitCaseDiffs(cases: Case[], budgetTokens: number): FittedCases {
  let truncated = 0;
  const fitted = cases.map((item) => {
    const cut = fitDiffToTokens(item.diff, budgetTokens);
    if (cut.truncated || item.metadata.truncated === true) truncated += 1;
    return { ...item, diff: cut.diff };
  });
  return { cases: fitted, truncated };
}

/**
 * Default: the baseline, the baseline with retrieved examples (when
 * `withFewShot`: benchmark.fewShot.k > 0 and a training set to retrieve from),
 * then the fine-tuned model; `--model` or `--backend claude`: that one.
 */
export function benchmarkTargets(settings: BenchmarkSettings, options: { model?: string; backend?: Target["backend"] }, withFewShot = false): Target[] {
  if (options.backend === "claude") return [{ backend: "claude", model: options.model ?? settings.claudeModel }];
  if (options.backend === "llama-cpp") {
    const files = options.model ? [options.model] : [settings.baselineGguf, settings.modelGguf];
    return files.filter((f): f is string => !!f).map((model) => ({ backend: "llama-cpp", model }));
  }
  if (options.model) return [{ backend: "ollama", model: options.model }];
  return [
    { backend: "ollama", model: settings.baseline },
    ...(withFewShot && settings.fewShot.k > 0 ? [{ backend: "ollama" as const, model: settings.baseline, fewShot: true }] : []),
    { backend: "ollama", model: settings.model },
  ];
}

/** The fine-tuned model (benchmark.model, or the name 07 imports it under) is asked with its training prompt; others chat. */
export function promptStyleFor(model: string, settings: BenchmarkSettings, option: PromptStyle | "auto"): PromptStyle {
  if (option !== "auto") return option;
  return sameOllamaModel(model, settings.model) || sameOllamaModel(model, settings.servedModel) ? "training" : "chat";
}

export async function createGenerator(
  target: Target,
  settings: BenchmarkSettings,
  mode: GenerationMode,
  prompt: PromptStyle | "auto",
  fewShotIndex?: FewShotIndex,
): Promise<Generator> {
  if (target.backend === "claude") {
    return createClaudeGenerator({ model: target.model, mode, types: settings.types, maxTokens: settings.numPredict });
  }
  const { temperature, topP, numPredict, seed, numCtx, types } = settings;
  if (target.backend === "llama-cpp") {
    return createLlamaCppGenerator({ modelPath: target.model, mode, types, temperature, topP, numPredict, seed, numCtx, stop: settings.stop });
  }
  if (target.fewShot) {
    if (!fewShotIndex) throw new Error("a few-shot target needs the training set's index");
    const fewShot = { index: fewShotIndex, ...settings.fewShot };
    return createOllamaGenerator({ host: ollamaHost(), model: target.model, mode, prompt: "chat", types, temperature, topP, numPredict, seed, numCtx, fewShot });
  }
  const style = promptStyleFor(target.model, settings, prompt);
  return createOllamaGenerator({ host: ollamaHost(), model: target.model, mode, prompt: style, types, temperature, topP, numPredict, seed, numCtx });
}

/** Precondition: Ollama answers at OLLAMA_HOST and has every model; names what is missing. */
export async function checkOllamaModels(models: string[]): Promise<true | string> {
  let installed: string[];
  try {
    installed = (await (await createOllamaClient()).list()).models.map((m) => m.name);
  } catch (error) {
    return `Ollama is not reachable at ${ollamaHost()} (${errorMessage(error)})`;
  }
  const missing = models.filter((m) => !installed.some((name) => sameOllamaModel(name, m)));
  return missing.length === 0 || `not installed in Ollama at ${ollamaHost()}: ${missing.join(", ")}`;
}

export interface RunContext {
  runsDir: string;
  cases: Case[];
  casesFile: string;
  types: string[];
  concurrency: number;
  signal: AbortSignal;
  force: boolean;
  log: (line?: string) => void;
}

export async function runWithProgress(generator: Generator, ctx: RunContext): Promise<Run> {
  const bar = await createProgressBar(`${[generator.model, generator.variant].filter(Boolean).join(" ")} (${generator.mode})`, ctx.cases.length);
  try {
    const { run, generated, reused } = await executeRun({
      dir: ctx.runsDir,
      generator,
      cases: ctx.cases,
      casesFile: ctx.casesFile,
      types: ctx.types,
      concurrency: ctx.concurrency,
      signal: ctx.signal,
      force: ctx.force,
      onProgress: (done, total) => bar.update(done, `${total - done} to go`),
    });
    bar.stop();
    const how = reused ? "finished earlier, reused" : `${generated} generated, ${ctx.cases.length - generated} resumed`;
    ctx.log(`${run.runId}: ${how}${run.metrics.failed ? `; ${run.metrics.failed} failed (counted as misses)` : ""}`);
    return run;
  } finally {
    bar.stop();
    await generator.close?.();
  }
}
