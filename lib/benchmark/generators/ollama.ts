/**
 * Ollama backend. The fine-tuned model gets its training prompt through
 * /api/generate with `raw: true`; a baseline gets the instruction through
 * /api/chat and its own chat template. Structured mode adds `format` (a JSON
 * schema) and renders the answer into a message.
 */
import { createOllamaClient } from "../../serve/ollama.js";
import { RunbookError, errorMessage } from "../../core/errors.js";
import { type PromptStyle, chatPrompt, fewShotMessages, promptVersion, renderStructuredAnswer, structuredJsonSchema, trainingPrompt } from "./prompts.js";
import type { FewShotIndex } from "../few-shot.js";
import { type Generator, type SamplingSettings, failedGeneration } from "./types.js";

/** Ollama names without a tag mean `:latest`. */
export const sameOllamaModel = (a: string, b: string) => withTag(a) === withTag(b);
const withTag = (name: string) => (name.includes(":") ? name : `${name}:latest`);

export interface OllamaGeneratorSettings extends SamplingSettings {
  host: string;
  model: string;
  prompt: PromptStyle;
  /** Aborts every request once it fires (the hook's time budget); the benchmark lets a started request finish. */
  deadline?: AbortSignal;
  /** Chat prompts only: put the k most similar training examples before the case (the few-shot baseline). */
  fewShot?: { index: FewShotIndex; k: number; exampleDiffChars: number };
}

/** Fails with the list of installed models when `model` is not one of them. */
export async function createOllamaGenerator(settings: OllamaGeneratorSettings): Promise<Generator> {
  const client = await createOllamaClient(settings.host, settings.deadline);
  const { models } = await client.list();
  const installed = models.find((m) => sameOllamaModel(m.name, settings.model));
  if (!installed) {
    throw new RunbookError(`model ${settings.model} is not installed in Ollama at ${settings.host}`, `ollama pull ${settings.model} (or, for joco, npx tsx runbook/07-import.ts)`);
  }

  const options = {
    temperature: settings.temperature,
    top_p: settings.topP,
    num_predict: settings.numPredict,
    seed: settings.seed,
    num_ctx: settings.numCtx,
  };
  const format = settings.mode === "structured" ? structuredJsonSchema(settings.types) : undefined;

  const { fewShot } = settings;
  if (fewShot && settings.prompt !== "chat") throw new Error("few-shot examples go with the chat prompt");
  const ask = async (diff: string) => {
    if (settings.prompt === "training") {
      const reply = await client.generate({ model: settings.model, prompt: trainingPrompt(diff), raw: true, stream: false, format, options });
      return { text: reply.response ?? "", evalCount: reply.eval_count, evalDuration: reply.eval_duration };
    }
    const examples = fewShot ? fewShot.index.retrieve(diff, fewShot.k) : [];
    const messages = fewShot ? fewShotMessages(examples, diff, settings.mode) : [{ role: "user", content: chatPrompt(diff, settings.mode) }];
    const reply = await client.chat({ model: settings.model, messages, stream: false, format, options });
    return { text: reply.message.content, evalCount: reply.eval_count, evalDuration: reply.eval_duration, examples: fewShot ? examples.map((e) => e.id) : undefined };
  };
  const shots = fewShot ? { fewShot: { k: fewShot.k, exampleDiffChars: fewShot.exampleDiffChars, train: fewShot.index.sourceHash } } : {};

  return {
    backend: "ollama",
    model: settings.model,
    mode: settings.mode,
    promptVersion: promptVersion(settings.prompt, settings.mode, Boolean(fewShot)),
    params: { ...options, prompt: settings.prompt, digest: installed.digest, ...shots },
    ...(fewShot ? { variant: `${fewShot.k}-shot` } : {}),
    async generate(item) {
      const started = performance.now();
      try {
        const { text, evalCount, evalDuration, examples } = await ask(item.diff);
        const latencyMs = performance.now() - started;
        const structured = settings.mode === "structured";
        return {
          output: structured ? renderStructuredAnswer(text, settings.types) : text,
          rawOutput: structured ? text : null,
          error: null,
          latencyMs,
          outputTokens: evalCount ?? null,
          // Ollama's own count and timing of the generated tokens: the model's speed, not the HTTP round trip.
          tokensPerSecond: evalCount && evalDuration ? evalCount / (evalDuration / 1e9) : null,
          ...(examples ? { examples } : {}),
        };
      } catch (error) {
        return failedGeneration(errorMessage(error));
      }
    },
  };
}
