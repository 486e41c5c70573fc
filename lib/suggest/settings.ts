/**
 * The `hook` section of the configuration (suggest and the prepare-commit-msg
 * hook), and the slice of the whole configuration they read. lib/ never
 * imports runbook/, so the slice is a structural type that runbook's Config
 * satisfies (run.ts checks it).
 */
import { z } from "zod";
import { section } from "../core/config.js";
import type { GenerationMode } from "../benchmark/generators/types.js";
import { TRAINING_INSTRUCTION } from "../conventional/prompt.js";
import { diffTokenBudget } from "../curate/tokens.js";

export const HookSchema = section({
  /** The model suggest and the hook ask; default: ollama.model, the fine-tuned one (asked with its raw training prompt). */
  model: z.string().optional(),
  /** structured: a JSON answer rendered into a message, valid by construction; free: the model's text as it comes. */
  mode: z.enum(["free", "structured"]).default("structured"),
  /** The hook's whole budget, node's start included; past it the commit goes on without a suggestion. */
  timeoutMs: z.int().positive().default(8000),
  /** A JSON answer with a body needs more than the ~15 tokens of a header. */
  numPredict: z.int().positive().default(256),
  /** Keep the (truncated) diff beside each suggestion in the usage log; off by default, since the log stays on disk. */
  logDiffs: z.boolean().default(false),
});

export type HookSettings = z.output<typeof HookSchema>;

/** What suggest and the hook read of the configuration. */
export interface SuggestConfig {
  hook: HookSettings;
  conventional: { types: string[] };
  extract: { diffBudgetChars: number };
  training: { maxSeqLength: number };
  curation: { maxMessageTokens: number };
  ollama: { model: string; temperature: number; topP: number; numCtx: number; stop: string[] };
  benchmark: { model: string; seed: number; gguf: { model?: string } };
}

export const SUGGEST_BACKENDS = ["ollama", "llama-cpp"] as const;
export type SuggestBackend = (typeof SUGGEST_BACKENDS)[number];

/** One suggestion's settings: the configuration with the command line's choices applied. */
export interface SuggestSettings {
  backend: SuggestBackend;
  model: string;
  mode: GenerationMode;
  types: string[];
  diffBudgetChars: number;
  /** 04's token budget of a diff: what the model was trained on. */
  diffBudgetTokens: number;
  /** The Modelfile's stop sequences, for the llama-cpp backend. */
  stop: string[];
  /** The fine-tuned model's name(s): those get the raw training prompt, any other model its chat template. */
  fineTuned: string[];
  temperature: number;
  topP: number;
  numCtx: number;
  numPredict: number;
  seed: number;
  logDiffs: boolean;
}

export function suggestSettingsOf(
  config: SuggestConfig,
  choices: { model?: string; mode?: GenerationMode; backend?: SuggestBackend } = {},
): SuggestSettings {
  return {
    backend: choices.backend ?? "ollama",
    model: choices.model ?? (choices.backend === "llama-cpp" ? config.benchmark.gguf.model : undefined) ?? config.hook.model ?? config.ollama.model,
    mode: choices.mode ?? config.hook.mode,
    types: config.conventional.types,
    diffBudgetChars: config.extract.diffBudgetChars,
    diffBudgetTokens: diffTokenBudget(TRAINING_INSTRUCTION, config.training.maxSeqLength, config.curation.maxMessageTokens),
    stop: config.ollama.stop,
    fineTuned: [config.ollama.model, config.benchmark.model],
    temperature: config.ollama.temperature,
    topP: config.ollama.topP,
    numCtx: config.ollama.numCtx,
    numPredict: config.hook.numPredict,
    seed: config.benchmark.seed,
    logDiffs: config.hook.logDiffs,
  };
}
