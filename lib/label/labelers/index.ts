/**
 * Picks and builds a labeler. `auto` means Claude when ANTHROPIC_API_KEY is
 * set and the commits' own messages otherwise; the choice is always said out loud.
 */
import { type ClaudeClientOptions, createClaudeClient, type ModelPrice } from "../anthropic.js";
import { RunbookError } from "../../core/errors.js";
import type { ClaudeLabeler } from "./claude.js";
import type { Labeler, LabelerBackend } from "./types.js";

export type { LabelOutcome, Labeler, LabelerBackend } from "./types.js";
export type { ClaudeLabeler } from "./claude.js";

export type LabelerChoice = LabelerBackend | "auto";

export interface LabelerSettings {
  backend: LabelerChoice;
  model: string;
  maxTokens: number;
  maxRetries: number;
  types: string[];
  prices: Record<string, ModelPrice>;
  /** Tests only: where the client goes instead of the environment's ANTHROPIC_BASE_URL / ANTHROPIC_API_KEY. */
  client?: Pick<ClaudeClientOptions, "baseURL" | "apiKey">;
}

export function resolveBackend(choice: LabelerChoice, env: NodeJS.ProcessEnv = process.env): { backend: LabelerBackend; why: string } {
  if (choice !== "auto") return { backend: choice, why: `labeler: ${choice} (chosen in config or --backend)` };
  return env.ANTHROPIC_API_KEY?.trim()
    ? { backend: "claude", why: "labeler: claude (backend auto, and ANTHROPIC_API_KEY is set)" }
    : { backend: "original", why: "labeler: original (backend auto, and ANTHROPIC_API_KEY is not set): each commit's own message, where it is conventional" };
}

/** The price the claude labeler bills with, or a sentence naming the config key to add. */
export function priceFor(model: string, prices: Record<string, ModelPrice>): ModelPrice | string {
  return prices[model] ?? `no price for model "${model}" in labeling.prices (known: ${Object.keys(prices).join(", ")})`;
}

export async function createLabeler(settings: LabelerSettings, env: NodeJS.ProcessEnv = process.env): Promise<{ labeler: Labeler | ClaudeLabeler; why: string }> {
  const { backend, why } = resolveBackend(settings.backend, env);
  // Backends load on demand: they pull in commitlint, which `npm run runbook` with nothing to do should not pay for.
  if (backend === "original") {
    const { createOriginalLabeler } = await import("./original.js");
    return { labeler: createOriginalLabeler({ types: settings.types }), why };
  }
  const price = priceFor(settings.model, settings.prices);
  if (typeof price === "string") {
    throw new RunbookError(price, `Add labeling.prices["${settings.model}"] = { input, output, cacheWrite, cacheRead } (USD per million tokens) to your config.`);
  }
  const { createClaudeLabeler } = await import("./claude.js");
  const client = await createClaudeClient({ maxRetries: settings.maxRetries, ...settings.client });
  const labeler = await createClaudeLabeler({ client, model: settings.model, maxTokens: settings.maxTokens, types: settings.types, price });
  return { labeler, why: `${why}, model ${settings.model}` };
}

export function isClaudeLabeler(labeler: Labeler): labeler is ClaudeLabeler {
  return labeler.backend === "claude" && "requestFor" in labeler;
}
