/**
 * "Exactly one commit message" (DESIGN §6 formatCompliance) and the message a
 * content metric should look at when the output is more than that.
 *
 * Both work on an output cleaned by `stripspace` (what `git commit` would
 * store). `messageProblems` says why the output is not exactly one message —
 * text before the header, a code fence, a second Conventional Commit header,
 * a body line about the message itself — and `extractMessage` finds the
 * message inside it anyway (the first header, fences and preamble skipped), so
 * that a stray fence or a leading space does not turn a correct type into a
 * wrong one in typeAccuracy and the similarity figures.
 */
import { bodyMetaPhrase } from "./meta.js";
import { parseHeader } from "./parser.js";
import { stripspace } from "./clean.js";

/** A Markdown code fence line (``` or ~~~, any indentation, any info string). */
const FENCE = /^\s*(?:```|~~~)/;
/** A header a model wrapped in backticks, bold or quotes: `` `feat: x` ``, `**feat: x**`, `"feat: x"`. */
const WRAPPED = /^(`|\*\*|"|')(.+)\1$/;

export type MessageRule = "empty" | "text-before-header" | "code-fence" | "second-header" | "meta-commentary";

export interface MessageProblem {
  rule: MessageRule;
  /** The offending line (trimmed), for a report. */
  line: string;
}

/** A line as a header candidate: trimmed, and unwrapped when it is wrapped whole. */
function headerCandidate(line: string): string {
  const trimmed = line.trim();
  return WRAPPED.exec(trimmed)?.[2]?.trim() ?? trimmed;
}

const parsesAsHeader = (line: string) => !FENCE.test(line) && parseHeader(headerCandidate(line)) !== null;
const isConfiguredHeader = (line: string, types: readonly string[]) => {
  const parsed = FENCE.test(line) ? null : parseHeader(headerCandidate(line));
  return parsed !== null && types.includes(parsed.type);
};

/**
 * Why a cleaned output is not exactly one commit message; [] when it is one
 * (whether that message passes commitlint is a separate verdict). A header is
 * any `type(scope)?!?: description` line; a *second* header needs a configured
 * type (so `Refs: #12` or `Note: …` in a body are not headers).
 */
export function messageProblems(cleaned: string, types: readonly string[]): MessageProblem[] {
  const lines = cleaned.split("\n");
  if (cleaned.trim() === "") return [{ rule: "empty", line: "" }];
  const problems: MessageProblem[] = [];
  const headerAt = lines.findIndex(parsesAsHeader);
  if (headerAt > 0) problems.push({ rule: "text-before-header", line: lines[0]!.trim() });
  const fence = lines.find((line) => FENCE.test(line));
  if (fence !== undefined) problems.push({ rule: "code-fence", line: fence.trim() });
  const body = lines.slice(Math.max(headerAt, 0) + 1);
  const second = body.find((line) => isConfiguredHeader(line, types));
  if (second !== undefined) problems.push({ rule: "second-header", line: second.trim() });
  const meta = body.find((line) => bodyMetaPhrase(line) !== null);
  if (meta !== undefined) problems.push({ rule: "meta-commentary", line: meta.trim() });
  return problems;
}

/**
 * The commit message inside an output: from the first header with a
 * configured type (else the first header of any type), unwrapped, through the
 * lines after it up to a code fence or the end; fence lines never count as a
 * header. An output with no header at all is returned as cleaned (its first
 * line is then what a user would have to rewrite).
 */
export function extractMessage(output: string, types: readonly string[]): string {
  const lines = stripspace(output).split("\n");
  let start = lines.findIndex((line) => isConfiguredHeader(line, types));
  if (start < 0) start = lines.findIndex(parsesAsHeader);
  if (start < 0) return lines.join("\n");
  const fence = lines.findIndex((line, i) => i > start && FENCE.test(line));
  const body = lines.slice(start + 1, fence < 0 ? undefined : fence);
  return stripspace([headerCandidate(lines[start]!), ...body].join("\n"));
}
