/** A labeled diff on its way to a training example, and the shapes the curation filters trade in. */
import type { Case, Labeled } from "../core/records.js";
import { cleanCommitMessage } from "../conventional/parser.js";
import { type DiffFingerprint, fingerprintDiff } from "./dedupe.js";
import type { Split } from "./split.js";

/** One labeled diff on its way to becoming a training example. */
export interface Candidate {
  id: string;
  repository: string;
  commitHash: string;
  /** The diff as labeled, compared by dedupe and leakage. */
  diff: string;
  /** The answer the model learns: the label cleaned as expected messages are (`cleanCommitMessage`), its type mapped into the configured list. */
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
  /** The message lost its body to curation.maxBodyLines / maxMessageTokens. */
  capped: boolean;
}

export interface CurationSettings {
  types: string[];
  typeMap: Record<string, string | null>;
  minScore: number;
  nearDuplicateThreshold: number;
  similarDiffThreshold: number;
  maxSameMessage: number;
  /** Longer bodies are cut (the message keeps its header): a squash-merge bullet list cannot be predicted or generated. */
  maxBodyLines: number;
  /** Estimated tokens of the longest message trained on; at most the served numPredict, so everything trained can be generated. */
  maxMessageTokens: number;
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

export type Drop = Omit<Dropped, "candidate">;
/** true keeps the candidate as it is, a Candidate keeps that updated copy, a Drop says why not. */
export type Verdict = true | Candidate | Drop;

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
    message: cleanCommitMessage(record.message),
    type: record.label.type.toLowerCase(),
    scope: record.label.scope,
    sourceType: record.label.type.toLowerCase(),
    fingerprint: fingerprintDiff(record.diff),
    input: record.diff,
    tokens: 0,
    truncated: record.truncated,
    capped: false,
  };
}

/** A filter from a per-candidate verdict, in order. */
export async function keepIf(candidates: Candidate[], verdict: (c: Candidate) => Verdict | Promise<Verdict>): Promise<FilterResult> {
  const kept: Candidate[] = [];
  const dropped: Dropped[] = [];
  for (const candidate of candidates) {
    const result = await verdict(candidate);
    if (result === true) kept.push(candidate);
    else if ("reason" in result) dropped.push({ candidate, ...result });
    else kept.push(result);
  }
  return { kept, dropped };
}
