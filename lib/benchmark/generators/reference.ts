/**
 * The ceiling row: the expected messages themselves, cleaned as the metrics
 * clean them, scored like any model. Human messages are not all compliant.
 */
import { cleanCommitMessage } from "../../conventional/parser.js";
import type { Generator } from "./types.js";

export function createReferenceGenerator(): Generator {
  return {
    backend: "reference",
    model: "reference",
    mode: "free",
    promptVersion: "none",
    params: {},
    generate: async (item) => ({
      output: cleanCommitMessage(item.expectedMessage),
      rawOutput: null,
      error: null,
      latencyMs: null,
      outputTokens: null,
      tokensPerSecond: null,
    }),
  };
}
