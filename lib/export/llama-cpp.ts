/**
 * The embedded llama.cpp (node-llama-cpp's prebuilt runtime): load a GGUF and
 * complete raw prompts, with no server. 06 checks its export with it, 07 smoke-
 * tests with it when Ollama is absent, 08 and `suggest` generate with it.
 */
import type { Llama, LlamaGrammar, LlamaModel, Token } from "node-llama-cpp";
import { RunbookError, errorMessage } from "../core/errors.js";

export interface CompletionSettings {
  maxTokens: number;
  /** 0: greedy, the same tokens on every run. */
  temperature: number;
  topP: number;
  seed: number;
  stop: string[];
  /** A JSON schema the answer must follow (llama.cpp's grammar), for structured mode. */
  jsonSchema?: Record<string, unknown>;
}

export interface Completion {
  text: string;
  tokens: number[];
  stopReason: string;
  latencyMs: number;
}

export interface LlamaCppModel {
  path: string;
  /** Completes `prompt` exactly as given: no chat template, no BOS, special-token text kept literal. */
  complete(prompt: string, settings: CompletionSettings): Promise<Completion>;
  /** The prompt's tokens as llama.cpp reads them (special-token text literal). */
  tokenize(text: string): number[];
  close(): Promise<void>;
}

let runtime: Promise<Llama> | undefined;

/** One runtime per process: prebuilt binaries only, never a build from source at run time. */
async function llamaRuntime(): Promise<Llama> {
  runtime ??= import("node-llama-cpp").then(({ getLlama, LlamaLogLevel }) =>
    getLlama({ build: "never", gpu: process.env.JOCO_LLAMA_GPU === "off" ? false : "auto", logLevel: LlamaLogLevel.error }),
  );
  try {
    return await runtime;
  } catch (error) {
    runtime = undefined;
    throw new RunbookError(
      `The embedded llama.cpp could not start (${errorMessage(error)})`,
      "Reinstall with `npm ci`: node-llama-cpp ships prebuilt binaries for Linux, macOS and Windows.",
    );
  }
}

export async function loadGguf(path: string, contextSize = 4096): Promise<LlamaCppModel> {
  const llama = await llamaRuntime();
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: path });
  } catch (error) {
    throw new RunbookError(`llama.cpp could not load ${path}: ${errorMessage(error)}`, "Re-run `npx tsx runbook/06-export.ts --force` to write it again.");
  }
  const { LlamaCompletion } = await import("node-llama-cpp");
  // JOCO_LLAMA_THREADS: on a busy machine, llama.cpp's spinning threads make two far slower than one (measured 20×).
  const threads = Number(process.env.JOCO_LLAMA_THREADS) || undefined;
  const context = await model.createContext({ contextSize: Math.min(contextSize, model.trainContextSize), ...(threads && { threads }) });
  const sequence = context.getSequence();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  const grammars = new Map<string, Promise<LlamaGrammar>>();
  const grammarFor = (schema: Record<string, unknown>) => {
    const key = JSON.stringify(schema);
    if (!grammars.has(key)) grammars.set(key, llama.createGrammarForJsonSchema(schema as never));
    return grammars.get(key)!;
  };
  // One sequence evaluates one prompt at a time: callers are queued, not interleaved.
  let queue: Promise<unknown> = Promise.resolve();

  const run = async (prompt: string, settings: CompletionSettings): Promise<Completion> => {
    const started = performance.now();
    const tokens: number[] = [];
    const input = model.tokenize(prompt, false);
    const { response, metadata } = await completion.generateCompletionWithMeta(input as Token[], {
      maxTokens: settings.maxTokens,
      temperature: settings.temperature,
      topP: settings.topP,
      seed: settings.seed,
      customStopTriggers: settings.stop,
      grammar: settings.jsonSchema ? await grammarFor(settings.jsonSchema) : undefined,
      onToken: (chunk) => tokens.push(...chunk),
    });
    return { text: response, tokens, stopReason: metadata.stopReason, latencyMs: performance.now() - started };
  };

  return {
    path,
    tokenize: (text) => [...model.tokenize(text, false)],
    complete(prompt, settings) {
      const next = queue.then(() => run(prompt, settings));
      queue = next.catch(() => {});
      return next;
    },
    async close() {
      await context.dispose();
      await model.dispose();
    },
  };
}
