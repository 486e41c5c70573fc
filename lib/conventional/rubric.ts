/**
 * The project's 0–100 rubric (DESIGN §6 `score`), after the original
 * harness's, with the points of each rule returned so that a test or a report
 * can show why a message scored what it did. The header (the first line, as
 * given) is judged by every rule but the last, which reads the whole message.
 * Where it departs from the original harness (lib/benchmark/legacy.ts): README
 * "08-benchmark", "Our figures and the plan's".
 */
import { stripspace } from "./clean.js";
import { messageProblems } from "./message.js";
import { headerMetaPhrase } from "./meta.js";
import { headerOf, parseHeader } from "./parser.js";

/** Points per rule; the positive ones add up to 100. */
export const RUBRIC_POINTS = {
  /** The header parses (`type(scope)?!?: description`) and its lower-cased type is in the list. */
  validType: 30,
  /**
   * The header parses with a type in the list, so it has a description: a
   * type outside the list (`feature: add x`) is not a Conventional Commit of
   * this project, and its description earns nothing (nor are its case and period judged).
   */
  description: 20,
  /** The header is non-empty and at most 72 characters (UTF-16 units, as commitlint counts). */
  header72: 20,
  /** The description does not start with an upper-case letter (`add x`, `` `useFoo` … ``, `2fa …` pass; `Add x` fails). */
  lowerCaseStart: 10,
  /** The description does not end with `.`. */
  noTrailingPeriod: 5,
  /** The header is 30 to 60 characters, both included. */
  header30to60: 15,
  /** The header talks about the message instead of the change: see `HEADER_META_PHRASES`, `META_OPENERS` (meta.ts). */
  metaDescription: -20,
  /** The message is not exactly one message (`messageProblems`: preamble, fence, second header, meta body line). */
  notOneMessage: -20,
} as const;

export type RubricRule = keyof typeof RUBRIC_POINTS;

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

/** Scores one message (as it would be committed: the benchmark passes outputs through `stripspace` first). */
export function rubricScore(message: string, types: readonly string[]): RubricScore {
  const header = headerOf(message);
  const parsed = parseHeader(message);
  const description = parsed?.description ?? "";
  const first = description.charAt(0);
  const length = header.length;
  const nonEmpty = header.trim() !== "";
  const metaPhrase = headerMetaPhrase(header);
  const typed = parsed !== null && types.includes(parsed.type);

  const passed: Record<RubricRule, boolean> = {
    validType: typed,
    description: typed,
    header72: nonEmpty && length <= 72,
    lowerCaseStart: typed && first === first.toLowerCase(),
    noTrailingPeriod: typed && !description.endsWith("."),
    header30to60: nonEmpty && length >= 30 && length <= 60,
    metaDescription: metaPhrase !== null,
    notOneMessage: nonEmpty && messageProblems(stripspace(message), types).length > 0,
  };
  const rules = Object.fromEntries(
    (Object.keys(RUBRIC_POINTS) as RubricRule[]).map((rule) => [rule, passed[rule] ? RUBRIC_POINTS[rule] : 0]),
  ) as Record<RubricRule, number>;
  const total = Object.values(rules).reduce((sum, points) => sum + points, 0);
  return { score: Math.max(0, total), total, rules, metaPhrase };
}
