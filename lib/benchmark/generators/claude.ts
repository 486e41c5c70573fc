/**
 * Claude as a gold reference: what a strong general model writes from the
 * same instruction and diff. The SDK reads ANTHROPIC_API_KEY and
 * ANTHROPIC_BASE_URL itself; nothing here touches them. The SDK (1.14) takes
 * no sampling settings for current models: Claude runs at its defaults.
 */
import { errorMessage } from "../../core/errors.js";
import { chatPrompt, promptVersion, renderStructuredAnswer, structuredMessageSchema } from "./prompts.js";
import { type GenerationMode, type Generator, failedGeneration } from "./types.js";

export interface ClaudeGeneratorSettings {
  model: string;
  mode: GenerationMode;
  types: string[];
  maxTokens: number;
}

export async function createClaudeGenerator(settings: ClaudeGeneratorSettings): Promise<Generator> {
  const { default: Anthropic } = await import("@anthropic-ai/sdk");
  const { zodOutputFormat } = await import("@anthropic-ai/sdk/helpers/zod");
  const client = new Anthropic();
  const structured = settings.mode === "structured";
  // The zod helper turns the schema into the subset structured outputs accept; `create` (not `parse`) keeps an off-schema answer as data.
  const outputConfig = structured ? { output_config: { format: zodOutputFormat(structuredMessageSchema(settings.types)) } } : {};

  return {
    backend: "claude",
    model: settings.model,
    mode: settings.mode,
    promptVersion: promptVersion("chat", settings.mode),
    params: { max_tokens: settings.maxTokens },
    async generate(item, signal) {
      const started = performance.now();
      try {
        const message = await client.messages.create(
          {
            model: settings.model,
            max_tokens: settings.maxTokens,
            messages: [{ role: "user", content: chatPrompt(item.diff, settings.mode) }],
            ...outputConfig,
          },
          { signal },
        );
        const latencyMs = performance.now() - started;
        const text = message.content.flatMap((block) => (block.type === "text" ? [block.text] : [])).join("");
        const outputTokens = message.usage.output_tokens;
        return {
          output: structured ? renderStructuredAnswer(text, settings.types) : text,
          rawOutput: structured ? text : null,
          error: null,
          latencyMs,
          outputTokens,
          // The API reports no generation time: tokens over the whole round trip, a lower bound.
          tokensPerSecond: latencyMs > 0 ? outputTokens / (latencyMs / 1000) : null,
        };
      } catch (error) {
        if (signal.aborted) throw error;
        return failedGeneration(errorMessage(error));
      }
    },
  };
}
