/**
 * llama.cpp backend: a GGUF file through the embedded llama.cpp, no server.
 * Every model gets the training prompt as a raw completion (the frame the
 * GGUF's chat_template carries), stopped where the Modelfile stops it.
 */
import { basename } from "node:path";
import { errorMessage } from "../../core/errors.js";
import { type LlamaCppModel, loadGguf } from "../../export/llama-cpp.js";
import { promptVersion, renderStructuredAnswer, structuredJsonSchema, trainingPrompt } from "./prompts.js";
import { type Generator, type SamplingSettings, failedGeneration } from "./types.js";

export interface LlamaCppGeneratorSettings extends SamplingSettings {
  /** The GGUF file. */
  modelPath: string;
  /** The name the run records (default: the file name). */
  label?: string;
  stop: string[];
}

export async function createLlamaCppGenerator(settings: LlamaCppGeneratorSettings): Promise<Generator> {
  const model: LlamaCppModel = await loadGguf(settings.modelPath, settings.numCtx);
  const structured = settings.mode === "structured";
  const completion = {
    maxTokens: settings.numPredict,
    temperature: settings.temperature,
    topP: settings.topP,
    seed: settings.seed,
    stop: structured ? [] : settings.stop,
    jsonSchema: structured ? structuredJsonSchema(settings.types) : undefined,
  };
  return {
    backend: "llama-cpp",
    model: settings.label ?? basename(settings.modelPath),
    mode: settings.mode,
    promptVersion: promptVersion("training", settings.mode),
    params: { temperature: settings.temperature, top_p: settings.topP, num_predict: settings.numPredict, seed: settings.seed, num_ctx: settings.numCtx, stop: completion.stop },
    async generate(item) {
      try {
        const { text, tokens, latencyMs } = await model.complete(trainingPrompt(item.diff), completion);
        return {
          output: structured ? renderStructuredAnswer(text, settings.types) : text,
          rawOutput: structured ? text : null,
          error: null,
          latencyMs,
          outputTokens: tokens.length,
          tokensPerSecond: latencyMs > 0 ? tokens.length / (latencyMs / 1000) : null,
        };
      } catch (error) {
        return failedGeneration(errorMessage(error));
      }
    },
    close: () => model.close(),
  };
}
