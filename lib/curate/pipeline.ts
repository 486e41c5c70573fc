/**
 * The curation pipeline as a list of filters. Each filter takes the surviving
 * candidates and returns those it keeps and those it drops, each with a reason,
 * so the report (tables, stats.json) is computed from data, never from logs.
 */
import type { DiffFingerprint } from "./dedupe.js";
import { fingerprintDiff } from "./dedupe.js";
import { RunbookError } from "../core/errors.js";
import type { Case, Labeled } from "../core/records.js";
import { type Split, splitStratified } from "./split.js";
import { CURATION_FILTERS } from "./filters.js";

/** One labeled diff on its way to becoming a training example. */
export interface Candidate {
  id: string;
  repository: string;
  commitHash: string;
  /** The diff as labeled, compared by dedupe and leakage. */
  diff: string;
  /** The answer the model learns (type already mapped into the configured list). */
  message: string;
  type: string;
  scope: string | null;
  /** The label's type as it came in, before the type map. */
  sourceType: string;
  fingerprint: DiffFingerprint;
  /** The diff the model sees: `diff` truncated to the token budget by the fit filter. */
  input: string;
  /** Estimated tokens of prompt + answer + EOS. */
  tokens: number;
  truncated: boolean;
}

export interface CurationSettings {
  types: string[];
  typeMap: Record<string, string | null>;
  minScore: number;
  nearDuplicateThreshold: number;
  similarDiffThreshold: number;
  maxSameMessage: number;
  instruction: string;
  maxSeqLength: number;
  maxTypeShare: number;
  maxRepositoryShare: number;
  target: number;
  max: number;
  validationFraction: number;
  seed: number;
  cases: Case[];
}

export interface Dropped {
  candidate: Candidate;
  /** A short, countable category ("near duplicate"); `detail` says of what. */
  reason: string;
  detail: string;
}

export interface FilterResult {
  kept: Candidate[];
  dropped: Dropped[];
}

export interface CurationFilter {
  name: string;
  description: string;
  apply: (candidates: Candidate[], settings: CurationSettings) => FilterResult | Promise<FilterResult>;
}

export interface Stage {
  filter: string;
  description: string;
  kept: Candidate[];
  dropped: Dropped[];
}

export interface CurationResult {
  input: Candidate[];
  stages: Stage[];
  kept: Candidate[];
  split: Split<Candidate>;
}

export function toCandidate(record: Labeled): Candidate {
  return {
    id: record.id,
    repository: record.repository,
    commitHash: record.commitHash,
    diff: record.diff,
    message: record.message.trim(),
    type: record.label.type.toLowerCase(),
    scope: record.label.scope,
    sourceType: record.label.type.toLowerCase(),
    fingerprint: fingerprintDiff(record.diff),
    input: record.diff,
    tokens: 0,
    truncated: record.truncated,
  };
}

/** Runs every filter in order, then splits what survives. Leakage throws (LeakageError) from its filter. */
export async function curate(
  records: readonly Labeled[],
  settings: CurationSettings,
  filters: readonly CurationFilter[] = CURATION_FILTERS,
): Promise<CurationResult> {
  const input = uniqueById(records).map(toCandidate);
  const stages: Stage[] = [];
  let current = input;
  for (const filter of filters) {
    const { kept, dropped } = await filter.apply(current, settings);
    stages.push({ filter: filter.name, description: filter.description, kept, dropped });
    current = kept;
  }
  const split = splitStratified(current, {
    stratumOf: (c) => c.type,
    idOf: (c) => c.id,
    fraction: settings.validationFraction,
    seed: settings.seed,
  });
  return { input, stages, kept: current, split };
}

/** The same id twice (a labeled file copied under two names) is one item, not a duplicate to report. */
function uniqueById(records: readonly Labeled[]): Labeled[] {
  const seen = new Set<string>();
  return records.filter((record) => !seen.has(record.id) && Boolean(seen.add(record.id)));
}

export class TargetNotReachedError extends RunbookError {}

/** Below curation.target the dataset is too small to teach the format reliably: fail, saying how to get more. */
export function assertTargetReached(count: number, target: number, max: number): void {
  if (count >= target) return;
  throw new TargetNotReachedError(
    `Only ${count} examples survive curation; curation.target is ${target}.`,
    `Get more labeled diffs: add training repositories to \`repos\`, or raise \`extract.maxPerRepo\` (or a repository's \`max\`) ` +
      `and re-run 02-extract and 03-label; see the tables above for which filter removed most. ` +
      `Lowering curation.target (or raising curation.max, now ${max}, when the caps removed many) also works.`,
  );
}
