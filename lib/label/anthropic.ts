/**
 * The Anthropic SDK plumbing the labelers share: one way to make a client,
 * and one way to turn an answer's usage into tokens and dollars.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { z } from "zod";
import { RunbookError } from "../core/errors.js";
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

/** A failure no other diff can escape (the key is refused, the API cannot be reached): the run stops with one message. */
export interface RunStop {
  message: string;
  hint: string;
}

const DEFAULT_BASE_URL = "https://api.anthropic.com";
const OFFLINE_HINT = "or label offline with --backend original (each commit's own message).";

/** Where the client talks to, and who chose it: the host is the first thing to check when nothing answers. */
function hostOf(client: Pick<Anthropic, "baseURL">): string {
  const from = client.baseURL === process.env.ANTHROPIC_BASE_URL ? " (ANTHROPIC_BASE_URL)" : client.baseURL === DEFAULT_BASE_URL ? " (the default; ANTHROPIC_BASE_URL sets another)" : "";
  return `${client.baseURL}${from}`;
}

/** A failed request in one line, and whether it stops the whole run rather than this diff. */
export async function describeApiFailure(error: unknown, client: Pick<Anthropic, "baseURL">): Promise<{ detail: string; stop?: RunStop }> {
  const sdk = await import("@anthropic-ai/sdk");
  const detail = await describeApiError(error);
  if (error instanceof sdk.AuthenticationError || error instanceof sdk.PermissionDeniedError) {
    return {
      detail,
      stop: {
        message: `The Anthropic API refused the key (${detail}): ANTHROPIC_API_KEY is wrong, revoked, or not allowed this model. No further requests were sent.`,
        hint: `Set ANTHROPIC_API_KEY to a valid key (console.anthropic.com → API keys), ${OFFLINE_HINT}`,
      },
    };
  }
  if (error instanceof sdk.APIConnectionError && !(error instanceof sdk.APIConnectionTimeoutError)) {
    return {
      detail,
      stop: {
        message: `Cannot reach the Anthropic API at ${hostOf(client)}: ${detail}`,
        hint: `Check the network connection or ANTHROPIC_BASE_URL, ${OFFLINE_HINT}`,
      },
    };
  }
  return { detail };
}

/** The RunbookError that a run-stopping failure becomes, or the error as it was. */
export async function asRunStop(error: unknown, client: Pick<Anthropic, "baseURL">): Promise<unknown> {
  const { stop } = await describeApiFailure(error, client);
  return stop ? new RunbookError(stop.message, stop.hint) : error;
}
