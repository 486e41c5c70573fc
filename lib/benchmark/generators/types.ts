/**
 * The one interface every benchmark backend implements: a case in, a
 * generation out. A new backend (an OpenAI-compatible server) is one more file.
 */
import type { Generation } from "../metrics.js";
import type { Case } from "../../core/records.js";

export type { Generation } from "../metrics.js";

export type GenerationMode = "free" | "structured";

/** What the Ollama and llama.cpp generators share: the mode, the allowed types and how they sample. */
export interface SamplingSettings {
  mode: GenerationMode;
  types: string[];
  temperature: number;
  topP: number;
  numPredict: number;
  seed: number;
  numCtx: number;
}

export interface Generator {
  backend: "ollama" | "llama-cpp" | "claude" | "reference";
  model: string;
  mode: GenerationMode;
  /** Which prompt template, at which version: recorded in the run and part of its id. */
  promptVersion: string;
  /** Everything else that shapes the output (sampling settings, the model's digest): recorded and part of the run id. */
  params: Record<string, unknown>;
  /** Set when the same model is asked another way (`3-shot`): recorded in the run, part of its id and of its title in tables. */
  variant?: string;
  /** Never throws for a failed request: that is a generation with `error` set, a miss in the tally. */
  generate(item: Case, signal: AbortSignal): Promise<Generation>;
  /** Frees what the backend holds (a loaded model); the run calls it when done. */
  close?(): Promise<void>;
}

/** A failed request: a miss in every rate, and no latency (a fast error would flatter the percentiles). */
export const failedGeneration = (error: string): Generation => ({
  output: "",
  rawOutput: null,
  error,
  latencyMs: null,
  outputTokens: null,
  tokensPerSecond: null,
});
