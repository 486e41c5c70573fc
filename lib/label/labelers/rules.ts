/**
 * The plan's rules for a training label, in one place: stated to Claude in
 * its system prompt, and checked on every label whatever its backend.
 * Bump LABEL_PROMPT_VERSION whenever the prompt's wording changes: it enters
 * the cache key, so cached labels from an older prompt are not reused.
 */
import { HEADER_MAX_LENGTH, lintCommitMessage } from "../../conventional/parser.js";

export const LABEL_PROMPT_VERSION = 1;

/** The plan's header limit (commitlint's preset allows 100): the one policy training and benchmark share. */
const MAX_HEADER_LENGTH = HEADER_MAX_LENGTH;

const TYPE_GUIDANCE: Record<string, string> = {
  feat: "a new capability for the users of the code (an API, an option, a command, a UI element)",
  fix: "corrects behaviour that was wrong (a bug, a crash, a wrong result)",
  docs: "documentation only (README, docs folder, comments with no code change)",
  style: "formatting only: whitespace, semicolons, quotes; no change in meaning",
  refactor: "restructures code without changing its behaviour, neither fix nor feature",
  perf: "makes the code faster or leaner without changing what it does",
  test: "adds or corrects tests only",
  build: "build system, packaging, or dependency versions",
  ci: "continuous-integration configuration and scripts",
  chore: "maintenance that touches neither source nor tests (tooling config, housekeeping)",
  revert: "reverts an earlier commit",
};

export function labelSystemPrompt(types: string[]): string {
  const guidance = types.map((type) => `- ${type}: ${TYPE_GUIDANCE[type] ?? "a project-specific type"}`).join("\n");
  return `You write Conventional Commit labels for git diffs. The labels train a small model to write commit messages, so each must be exactly right in form and faithful to the diff.

Fill in the JSON object the output schema asks for:
- type: the one type that best describes the whole change, from this list:
${guidance}
  When a change both adds a feature and fixes something, pick what the change is mainly for. Changes to tests alone are "test", to docs alone "docs".
- scope: the area of the code the change is in, as its maintainers would name it (a package, module, crate or top-level directory), lower case, one word or hyphenated; null when the change spans the project or no single area stands out.
- breaking: true only when the diff removes or changes behaviour that users of the code rely on (a removed option, a changed signature); otherwise false.
- subject: what the commit does, in the imperative mood ("add", "fix", "remove", not "added" or "adds"), starting with a lower-case letter, with no trailing period. The header \`type(scope): subject\` is at most ${MAX_HEADER_LENGTH} characters in all.
- body: null for most commits; one or two short sentences on why, only when the diff makes the reason clear.

Describe the change, never the diff itself: no "this commit", "this diff", "update file x". When the diff is marked as truncated, label the change from the part you see and the stat block.`;
}

export function labelUserPrompt(item: { repository: string; diff: string; truncated: boolean }): string {
  const note = item.truncated ? " (truncated: the stat block lists every file; some hunks are left out)" : "";
  return `Repository: ${item.repository}\n\nThe diff${note}:\n<diff>\n${item.diff}\n</diff>`;
}

export function reaskPrompt(problem: string): string {
  return `That label breaks the rules: ${problem}. Answer again with a corrected label.`;
}

export interface Violation {
  /** Short and stable, for grouping skip reasons: a commitlint rule name or "header-max-72". */
  rule: string;
  /** Specific, in words that can go back to Claude. */
  message: string;
}

/** Every rule the message breaks; empty when it is fit for training. */
export async function ruleViolations(message: string, types: string[]): Promise<Violation[]> {
  const header = message.split("\n", 1)[0] ?? "";
  const violations: Violation[] = [];
  if (header.length > MAX_HEADER_LENGTH) {
    violations.push({ rule: `header-max-${MAX_HEADER_LENGTH}`, message: `the header is ${header.length} characters, more than ${MAX_HEADER_LENGTH}` });
  }
  const lint = await lintCommitMessage(message, types);
  // commitlint's errors read `rule-name: message`.
  for (const error of lint.errors) violations.push({ rule: error.split(":", 1)[0] ?? error, message: error });
  return violations;
}

export const describeViolations = (violations: Violation[]) => violations.map((v) => v.message).join("; ");
