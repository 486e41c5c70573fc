/**
 * The original harness's 0–100 rubric (DESIGN §6 `score`), with the points of
 * each rule returned so that a test or a report can show why a message scored
 * what it did. Everything is judged on the header (the first line), as given.
 */
import { headerOf, parseHeader } from "./parser.js";

/** Points per rule; the positive ones add up to 100. */
export const RUBRIC_POINTS = {
  /** The header parses (`type(scope)?!?: description`) and its lower-cased type is in the list. */
  validType: 30,
  /** The header parses, so it has a non-empty description. */
  description: 20,
  /** The header is non-empty and at most 72 characters (UTF-16 units, as commitlint counts). */
  header72: 20,
  /** The description does not start with an upper-case letter (`add x`, `` `useFoo` … ``, `2fa …` pass; `Add x` fails). */
  lowerCaseStart: 10,
  /** The description does not end with `.`. */
  noTrailingPeriod: 5,
  /** The header is 30 to 60 characters, both included. */
  header30to60: 15,
  /** The header talks about the message instead of the change: see `META_PHRASES`, `META_OPENERS`. */
  metaDescription: -20,
} as const;

export type RubricRule = keyof typeof RUBRIC_POINTS;

/**
 * Phrases that mark a header as a chatty model talking about its answer
 * ("Here is the commit message: …", "feat: this commit adds …"), matched
 * anywhere in the header, case-insensitively, as whole words. Only the header
 * is read (human bodies often say "This change …"). A real header can trip it
 * (`fix: strip the commit message for calculating length`, 5 of 600 in
 * commitizen): the rubric is the harness's, kept for comparison with the
 * plan's numbers, not a judgement of human messages.
 */
export const META_PHRASES = ["here is", "here's", "here’s", "this commit", "this change", "the following", "commit message"] as const;

/**
 * Chatty openers, meta only at the very start of the header ("Sure! …",
 * "Certainly, …"): anywhere else `sure` is ordinary English ("fix: make sure …").
 */
export const META_OPENERS = ["sure", "certainly", "of course"] as const;

const escape = (phrase: string): string => phrase.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const WORD_END = String.raw`(?![\p{L}\p{N}_])`;
const META_PATTERN = new RegExp(
  String.raw`^\s*(?:${META_OPENERS.map(escape).join("|")})${WORD_END}|(?<![\p{L}\p{N}_])(?:${META_PHRASES.map(escape).join("|")})${WORD_END}`,
  "iu",
);

export interface RubricScore {
  /** 0–100: the sum of `rules`, floored at 0. */
  score: number;
  /** The sum before the floor (can be negative). */
  total: number;
  /** Points each rule gave: its `RUBRIC_POINTS` value when it applies, else 0. */
  rules: Record<RubricRule, number>;
  /** The meta phrase found in the header, if any (as written). */
  metaPhrase: string | null;
}

/** Scores one message with the original harness's rubric (DESIGN §6). */
export function rubricScore(message: string, types: readonly string[]): RubricScore {
  const header = headerOf(message);
  const parsed = parseHeader(message);
  const description = parsed?.description ?? "";
  const first = description.charAt(0);
  const length = header.length;
  const nonEmpty = header.trim() !== "";
  const meta = META_PATTERN.exec(header);

  const passed: Record<RubricRule, boolean> = {
    validType: parsed !== null && types.includes(parsed.type),
    description: parsed !== null,
    header72: nonEmpty && length <= 72,
    lowerCaseStart: parsed !== null && first === first.toLowerCase(),
    noTrailingPeriod: parsed !== null && !description.endsWith("."),
    header30to60: nonEmpty && length >= 30 && length <= 60,
    metaDescription: meta !== null,
  };
  const rules = Object.fromEntries(
    (Object.keys(RUBRIC_POINTS) as RubricRule[]).map((rule) => [rule, passed[rule] ? RUBRIC_POINTS[rule] : 0]),
  ) as Record<RubricRule, number>;
  const total = Object.values(rules).reduce((sum, points) => sum + points, 0);
  return { score: Math.max(0, total), total, rules, metaPhrase: meta ? meta[0].trim() : null };
}
