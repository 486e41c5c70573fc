/**
 * A message for the staged diff. Any generator of the benchmark's interface
 * does: the one that is measured is the one that suggests. The fine-tuned
 * model gets its raw training prompt through /api/generate, any other model
 * its chat template; structured mode (the default) renders a JSON answer
 * whose type is one of the configured ones, so the message is valid by construction.
 */
import { RunbookError, errorMessage } from "../core/errors.js";
import type { Case } from "../core/records.js";
import { createLlamaCppGenerator } from "../benchmark/generators/llama-cpp.js";
import { createOllamaGenerator, sameOllamaModel } from "../benchmark/generators/ollama.js";
import type { Generator } from "../benchmark/generators/types.js";
import { ollamaHost } from "../serve/ollama.js";
import type { SuggestSettings } from "./settings.js";
import { type StagedDiff, stagedDiff } from "./staged.js";

export type SuggestOutcome =
  | { kind: "nothing-staged" }
  | { kind: "failed"; error: string; model: string; staged: StagedDiff }
  | { kind: "suggested"; message: string; model: string; latencyMs: number | null; staged: StagedDiff };

/** A generator for one suggestion; `deadline` aborts it (the hook's budget). */
export type GeneratorFactory = (settings: SuggestSettings, deadline?: AbortSignal) => Promise<Generator>;

export const createSuggestGenerator: GeneratorFactory = async (settings, deadline) => {
  if (settings.backend === "llama-cpp") {
    if (!settings.model.endsWith(".gguf")) {
      throw new RunbookError(`--backend llama-cpp takes a GGUF file; ${settings.model} is not one`, "Pass --model joco-gguf/joco.Q4_K_M.gguf (06's file), or set benchmark.gguf.model.");
    }
    const { model, mode, types, temperature, topP, numPredict, seed, numCtx, stop } = settings;
    return createLlamaCppGenerator({ modelPath: model, mode, types, temperature, topP, numPredict, seed, numCtx, stop });
  }
  const prompt = settings.fineTuned.some((name) => sameOllamaModel(name, settings.model)) ? "training" : "chat";
  const { model, mode, types, temperature, topP, numPredict, seed, numCtx } = settings;
  const host = ollamaHost();
  try {
    return await createOllamaGenerator({ host, model, mode, prompt, types, temperature, topP, numPredict, seed, numCtx, deadline });
  } catch (error) {
    if (error instanceof RunbookError || deadline?.aborted) throw error;
    // fetch says only "fetch failed"; the cause says why (ECONNREFUSED: nothing listens there).
    const { cause } = error as { cause?: { code?: string; message?: string } };
    const reason = cause?.code ?? cause?.message;
    const why = reason ? `${errorMessage(error)}: ${reason}` : errorMessage(error);
    throw new RunbookError(`Ollama is not reachable at ${host} (${why})`, "Start Ollama (`ollama serve`), or point OLLAMA_HOST at it.");
  }
};

/** The staged diff of `repo`, described by the generator `create` makes; a failed or empty answer is an outcome, not an exception. */
export async function suggestForStaged(
  repo: string,
  settings: SuggestSettings,
  options: { create?: GeneratorFactory; deadline?: AbortSignal } = {},
): Promise<SuggestOutcome> {
  const staged = await stagedDiff(repo, settings.diffBudgetChars, settings.diffBudgetTokens);
  if (!staged) return { kind: "nothing-staged" };
  const generator = await (options.create ?? createSuggestGenerator)(settings, options.deadline);
  const generation = await generator.generate(stagedCase(repo, staged), options.deadline ?? new AbortController().signal).finally(() => generator.close?.());
  const message = generation.output.trim();
  const failure = generation.error ?? (message === "" ? "the model answered with an empty message" : null);
  if (failure) return { kind: "failed", error: failure, model: generator.model, staged };
  return { kind: "suggested", message, model: generator.model, latencyMs: generation.latencyMs, staged };
}

/** The staged diff as the one case a generator takes; nothing is expected of it. */
const stagedCase = (repo: string, staged: StagedDiff): Case => ({
  id: `staged-${staged.diffHash.slice(0, 12)}`,
  diff: staged.diff,
  expectedMessage: "",
  repository: repo,
  commitHash: "",
  metadata: { truncated: staged.truncated, filesChanged: staged.files },
});
