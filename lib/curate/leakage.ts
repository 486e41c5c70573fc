/**
 * Leakage into the benchmark: a training example that shares a commit, an
 * identical diff or a near-identical diff with a held-out case would let the
 * model be tested on what it was taught. That is never silently dropped: the
 * cell stops and names both sides, because it means the sources overlap.
 */
import { type DiffFingerprint, createSimilarityIndex, fingerprintDiff } from "./dedupe.js";
import { RunbookError } from "../core/errors.js";

export interface LeakageCandidate {
  id: string;
  commitHash: string;
  diff: string;
  fingerprint?: DiffFingerprint;
}

export interface Leak {
  exampleId: string;
  caseId: string;
  reason: "same commit" | "identical diff" | "near-identical diff";
  similarity: number;
}

/** Abbreviated hashes (7+ characters) match the full hash they start with. */
function sameCommit(a: string, b: string): boolean {
  const [x, y] = [a.trim().toLowerCase(), b.trim().toLowerCase()];
  if (x.length < 7 || y.length < 7) return false;
  return x.startsWith(y) || y.startsWith(x);
}

export function findLeaks(examples: readonly LeakageCandidate[], cases: readonly LeakageCandidate[], threshold: number): Leak[] {
  const caseFingerprints = cases.map((c) => c.fingerprint ?? fingerprintDiff(c.diff));
  const byHash = new Map<string, string>();
  const byCommit = new Map<string, string>();
  const index = createSimilarityIndex<string>();
  cases.forEach((c, i) => {
    const fingerprint = caseFingerprints[i]!;
    if (!byHash.has(fingerprint.hash)) byHash.set(fingerprint.hash, c.id);
    if (c.commitHash.trim().length >= 7) byCommit.set(c.commitHash.trim().toLowerCase().slice(0, 7), c.id);
    index.add(c.id, fingerprint);
  });
  const commitOf = new Map(cases.map((c) => [c.id, c.commitHash]));
  const leaks: Leak[] = [];
  for (const example of examples) {
    const caseId = byCommit.get(example.commitHash.trim().toLowerCase().slice(0, 7));
    if (caseId && sameCommit(example.commitHash, commitOf.get(caseId) ?? "")) {
      leaks.push({ exampleId: example.id, caseId, reason: "same commit", similarity: 1 });
      continue;
    }
    const fingerprint = example.fingerprint ?? fingerprintDiff(example.diff);
    const identical = byHash.get(fingerprint.hash);
    if (identical) {
      leaks.push({ exampleId: example.id, caseId: identical, reason: "identical diff", similarity: 1 });
      continue;
    }
    const near = index.mostSimilar(fingerprint, threshold);
    if (near) leaks.push({ exampleId: example.id, caseId: near.item, reason: "near-identical diff", similarity: near.similarity });
  }
  return leaks;
}

export function describeLeak(leak: Leak): string {
  const detail = leak.reason === "near-identical diff" ? ` (Jaccard ${leak.similarity.toFixed(2)})` : "";
  return `training example ${leak.exampleId} ↔ benchmark case ${leak.caseId}: ${leak.reason}${detail}`;
}

export class LeakageError extends RunbookError {
  constructor(readonly leaks: Leak[]) {
    const shown = leaks.slice(0, 20).map((leak) => `  - ${describeLeak(leak)}`);
    const more = leaks.length > shown.length ? [`  … and ${leaks.length - shown.length} more`] : [];
    super(
      `${leaks.length} training example(s) leak into the benchmark cases:\n${[...shown, ...more].join("\n")}`,
      "The benchmark source must not be a training source: remove the overlapping repository from `repos` " +
        "(or those commits from dataset/labeled), then re-run 04-curate.",
    );
  }
}

export function assertNoLeakage(examples: readonly LeakageCandidate[], cases: readonly LeakageCandidate[], threshold: number): void {
  const leaks = findLeaks(examples, cases, threshold);
  if (leaks.length > 0) throw new LeakageError(leaks);
}
