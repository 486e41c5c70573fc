/**
 * The Anthropic SDK plumbing the labelers share: one way to make a client,
 * and one way to turn an answer's usage into tokens and dollars.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import type { Usage } from "../core/records.js";

export const ModelPriceSchema = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cacheWrite: z.number().min(0),
  cacheRead: z.number().min(0),
});
/** USD per million tokens. */
export type ModelPrice = z.output<typeof ModelPriceSchema>;

/** Message Batches bill every token at half the list price. */
export const BATCH_PRICE_FACTOR = 0.5;

export interface ClaudeClientOptions {
  maxRetries: number;
  /** Tests point a client at a fake; the runbook passes neither, so the SDK reads the environment. */
  baseURL?: string;
  apiKey?: string;
}

/**
 * ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL are read by the SDK itself: we
 * never copy the key into our own variables, options or records, so it cannot
 * leak into a file or a log line. The SDK is loaded only when a cell needs it.
 */
export async function createClaudeClient(options: ClaudeClientOptions): Promise<Anthropic> {
  const { default: AnthropicClient } = await import("@anthropic-ai/sdk");
  return new AnthropicClient({ maxRetries: options.maxRetries, baseURL: options.baseURL, apiKey: options.apiKey });
}

export function usageOf(usage: Anthropic.Usage, price: ModelPrice, { batch = false } = {}): Usage {
  const tokens = {
    inputTokens: usage.input_tokens,
    outputTokens: usage.output_tokens,
    cacheReadTokens: usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
  };
  const dollars =
    tokens.inputTokens * price.input +
    tokens.outputTokens * price.output +
    tokens.cacheReadTokens * price.cacheRead +
    tokens.cacheWriteTokens * price.cacheWrite;
  return { ...tokens, costUsd: (dollars / 1e6) * (batch ? BATCH_PRICE_FACTOR : 1) };
}

export function addUsage(a: Usage | null, b: Usage | null): Usage | null {
  if (!a || !b) return a ?? b;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    costUsd: a.costUsd + b.costUsd,
  };
}

/** One line for a failed request: status and error type as the API gave them, never headers. */
export async function describeApiError(error: unknown): Promise<string> {
  const { APIError } = await import("@anthropic-ai/sdk");
  if (error instanceof APIError) {
    const body = error.error as { error?: { type?: string; message?: string } } | undefined;
    const detail = body?.error ? `${body.error.type ?? "error"}: ${body.error.message ?? ""}` : error.message;
    return error.status === undefined ? detail : `${error.status} ${detail}`;
  }
  return error instanceof Error ? error.message : String(error);
}
