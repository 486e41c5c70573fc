/**
 * Conventional Commit rules, in one place: every part of the runbook (case
 * extraction, the `original` labeler, curation, benchmark metrics) uses these.
 * The 0–100 rubric of the original harness is in `rubric.ts`.
 *
 * Two readings of "is this a conventional commit":
 * - strict (`lintCommitMessage`): commitlint with `@commitlint/config-conventional`,
 *   loaded the way commitlint loads it (DESIGN §6 `formatCompliance`);
 * - lenient (`parseHeader`, `isHeaderCompliant`): the first line matches
 *   `type(scope)?!?: description` (DESIGN §6 `headerCompliance`).
 *
 * Messages are taken as given: nothing here trims a model's output before
 * judging it (the benchmark cleans outputs first, with `stripspace` of
 * clean.ts). The one exception, in both readings alike, is leading empty
 * lines, which commitlint skips.
 */

/** The eleven types of the Angular convention that config-conventional allows. */
export const DEFAULT_TYPES = [
  "feat",
  "fix",
  "docs",
  "style",
  "refactor",
  "perf",
  "test",
  "build",
  "ci",
  "chore",
  "revert",
] as const;

export { type LintResult, lintCommitMessage, loadCommitlintConfig } from "./commitlint.js";
import { TRAILING_PR_REFS } from "./clean.js";

// ---------------------------------------------------------- lenient parsing

/**
 * The lenient header (the original harness's strict one is in
 * lib/benchmark/legacy.ts): letters for the type, an
 * optional non-empty `(scope)` without parentheses, an optional `!`, a colon,
 * at least one space, and a description that starts with a non-space.
 */
export const HEADER_PATTERN = /^([A-Za-z]+)(?:\(([^()\r\n]+)\))?(!)?: +(\S.*)$/;

/** `BREAKING CHANGE:` / `BREAKING-CHANGE:` footer (upper case, as the spec requires). */
const BREAKING_FOOTER = /^BREAKING[ -]CHANGE: /m;

export interface ParsedHeader {
  /** The header (see `headerOf`). */
  header: string;
  /** The type in lower case (the spec makes types case-insensitive). */
  type: string;
  /** The type as written. */
  rawType: string;
  scope: string | null;
  /** `!` in the header, or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` line after the header. */
  breaking: boolean;
  /** The description, trailing whitespace removed. */
  description: string;
}

/** Leading empty lines, which commitlint's parser skips too (`"\n\nfeat: x"` lints valid). */
const LEADING_EMPTY_LINES = /^(?:\r?\n)+/;

function splitHeader(message: string): { header: string; rest: string } {
  const text = message.replace(LEADING_EMPTY_LINES, "");
  const newline = text.indexOf("\n");
  return newline === -1
    ? { header: text.trimEnd(), rest: "" }
    : { header: text.slice(0, newline).trimEnd(), rest: text.slice(newline + 1) };
}

/**
 * The header: the first line after any leading empty lines, trailing
 * whitespace (`\r` too) removed. A leading line of spaces is not skipped (it
 * is the header, and commitlint fails it too).
 */
export function headerOf(message: string): string {
  return splitHeader(message).header;
}

/** Everything after the header and the blank lines that follow it, trailing whitespace removed. */
export function bodyOf(message: string): string {
  return splitHeader(message).rest.replace(/^(?:[ \t]*\r?\n)+/, "").trimEnd();
}

/**
 * Parses the header of `message` (see `headerOf`; leading spaces make it
 * unparsable). Returns null when it is not `type(scope)?!?: description`.
 * `breaking` is the `!` or a `BREAKING CHANGE:` / `BREAKING-CHANGE:` line
 * (upper case, at a line start) anywhere after the header: the spec's footer,
 * read without insisting that it be in the last paragraph.
 */
export function parseHeader(message: string): ParsedHeader | null {
  const { header, rest } = splitHeader(message);
  const match = HEADER_PATTERN.exec(header);
  if (!match) return null;
  const [, rawType = "", scope, bang, description = ""] = match;
  return {
    header,
    type: rawType.toLowerCase(),
    rawType,
    scope: scope ?? null,
    breaking: bang === "!" || BREAKING_FOOTER.test(rest),
    description,
  };
}

/** The lenient figure: the first line parses and its type (lower-cased) is one of `types`. */
export function isHeaderCompliant(message: string, types: readonly string[]): boolean {
  const parsed = parseHeader(message);
  return parsed !== null && types.includes(parsed.type);
}

/** The lower-cased type of the message's header, or null when the header does not parse. */
export function typeOf(message: string): string | null {
  return parseHeader(message)?.type ?? null;
}

// --------------------------------------------------------- cleaning, limits

export { TRAILING_PR_REFS, UNPREDICTABLE_TRAILERS, cleanCommitMessage, stripspace } from "./clean.js";
/** The name case extraction used before training labels were cleaned by the same function; other branches still call it. */
export { cleanCommitMessage as cleanExpectedMessage } from "./clean.js";

/**
 * The plan's header limit (commitlint's preset allows 100), and one policy for
 * what exceeds it, shared by training and benchmark (DESIGN §7): a commit whose
 * cleaned header is longer is neither a training label nor a benchmark case,
 * since the model is told "header at most 72 characters" and a reference it
 * may not write would only measure disobedience.
 */
export const HEADER_MAX_LENGTH = 72;

export const exceedsHeaderLimit = (message: string) => headerOf(message).length > HEADER_MAX_LENGTH;

const VERSION = String.raw`v?\d+(?:\.\d+){1,3}(?:[-+][0-9A-Za-z.+-]+)?`;
/** `1.2.3`, `v1.2.3-beta.1`, `create-vite@9.1.2`, `@scope/pkg@1.0.0`. */
const PACKAGE_VERSION = String.raw`(?:@?[\w.-]+(?:/[\w.-]+)?@)?${VERSION}`;
const SKIP_CI = String.raw`(?:\s*\[(?:skip ci|ci skip)\])?`;

/**
 * What a release commit's description (or whole non-conventional header) looks
 * like: a version list, optionally after release/publish/bump-version words;
 * or a tool's fixed release subject (changesets, covector, lerna).
 */
const RELEASE_TEXT = [
  new RegExp(
    String.raw`^(?:(?:release[sd]?|releasing|publish(?:ed)?|prepare(?: for)?(?: the)? release|(?:bump(?:ed)?|update[sd]?|set) versions?(?: to)?|version)\s*:?\s*)?` +
      String.raw`${PACKAGE_VERSION}(?:\s*(?:,|and)\s*${PACKAGE_VERSION})*${SKIP_CI}$`,
    "i",
  ),
  new RegExp(String.raw`^(?:release|publish|version packages|new release|bump versions?)${SKIP_CI}$`, "i"),
  /^apply version updates from current changes/i,
];

/**
 * A release/version-bump commit, skipped by extraction: `release: …` (any
 * scope), a conventional header whose description is a release text
 * (`chore: release v1.2.3`, `chore(release): 1.2.3`, `chore(release): publish`,
 * `build: bump version to 2.0.0`), or a bare header that is one (`v1.2.3`,
 * `1.2.3`, `Release 1.2.3`, `Bump version to 1.2.3`, `Version Packages`).
 * Trailing PR references are ignored. Any type counts when the description
 * is only a version (`docs: v2.15` bumps version markers in docs), but
 * `chore(release): make publishing resumable` is work on the release tooling,
 * not a release.
 */
export function isReleaseCommit(message: string): boolean {
  const header = headerOf(message).replace(TRAILING_PR_REFS, "").trim();
  const parsed = parseHeader(header);
  if (parsed?.type === "release") return true;
  const text = parsed ? parsed.description : header;
  return RELEASE_TEXT.some((pattern) => pattern.test(text));
}

// ------------------------------------------------------------------- render

interface MessagePartsBase {
  type: string;
  scope?: string | null | undefined;
  breaking?: boolean | null | undefined;
  body?: string | null | undefined;
}
/** The label / structured-output fields; `subject` (label schema) and `description` (structured mode) are the same thing. */
export type MessageParts = MessagePartsBase & ({ description: string } | { subject: string });

/**
 * `type(scope)!: description` + `\n\n` + body. An empty or whitespace scope
 * gives no parentheses, an empty body no blank line; description and body are
 * trimmed, nothing else is changed (no case folding: that is for the linter to judge).
 */
export function renderMessage(parts: MessageParts): string {
  const description = ("description" in parts ? parts.description : parts.subject).trim();
  const scope = parts.scope?.trim() ? `(${parts.scope.trim()})` : "";
  const header = `${parts.type.trim()}${scope}${parts.breaking ? "!" : ""}: ${description}`;
  const body = parts.body?.trim() ?? "";
  return body === "" ? header : `${header}\n\n${body}`;
}
