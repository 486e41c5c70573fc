/**
 * The `original` labeler: the commit's own message, when it already follows
 * the rules. Free and offline; what it cannot label it skips, with the reason.
 */
import { bodyOf, cleanCommitMessage, isReleaseCommit, parseHeader, renderMessage } from "../../conventional/parser.js";
import type { Label } from "../../core/records.js";
import { ruleViolations } from "./rules.js";
import type { Labeler } from "./types.js";

/** Cleaning (squash refs, trailers, git's stripspace) and the rule check are the ones every label passes; bump on a change here. */
const ORIGINAL_LABELER_VERSION = 2;

export function createOriginalLabeler({ types }: { types: string[] }): Labeler {
  return {
    backend: "original",
    model: null,
    version: `original-v${ORIGINAL_LABELER_VERSION};types=${types.join(",")}`,
    readsMessage: true,
    label: async (item) => {
      const cleaned = cleanCommitMessage(item.originalMessage);
      if (!cleaned.trim()) return { status: "skipped", reason: "empty message" };
      if (isReleaseCommit(cleaned)) return { status: "skipped", reason: "release commit" };
      const violations = await ruleViolations(cleaned, types);
      if (violations[0]) return { status: "skipped", reason: `not conventional: ${violations[0].rule}` };
      const label = labelOf(cleaned);
      if (!label) return { status: "skipped", reason: "not conventional: unparsable header" };
      return { status: "labeled", message: renderMessage(label), label, usage: null };
    },
  };
}

function labelOf(message: string): Label | null {
  const parsed = parseHeader(message);
  if (!parsed) return null;
  return {
    type: parsed.type,
    scope: parsed.scope,
    breaking: parsed.breaking,
    subject: parsed.description,
    body: bodyOf(message) || null,
  };
}
