/** The `ollama` section of the configuration: how 07 serves the model, and what it samples with. */
import { z } from "zod";
import { section } from "../core/config.js";

const positiveInt = z.int().positive();

export const OllamaSchema = section({
  model: z.string().default("joco"),
  temperature: z.number().min(0).default(0.7),
  topP: z.number().gt(0).max(1).default(0.9),
  numCtx: positiveInt.default(4096),
  /** A commit message is ~15 tokens; this caps a model that does not stop. */
  numPredict: positiveInt.default(128),
  /** Stop sequences besides the tokenizer's EOS (added by 07): the frame's own headers. */
  stop: z.array(z.string().min(1)).default(["### Instruction:", "### Input:"]),
  /** `api`: upload the blobs and create over HTTP at OLLAMA_HOST; `cli`: `ollama create -f Modelfile`. */
  createWith: z.enum(["api", "cli"]).default("api"),
  /**
   * false: when no Ollama answers, 07 writes the Modelfile and smoke-tests the GGUF through the
   * embedded llama.cpp instead of stopping, and imports nothing (the rehearsal's setting).
   */
  required: z.boolean().default(true),
});

export type OllamaSettings = z.output<typeof OllamaSchema>;
