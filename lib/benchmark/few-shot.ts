/**
 * The few-shot baseline's examples (DESIGN §6): for each benchmark case, the
 * k training examples of dataset/train.jsonl whose diffs are most like its
 * diff, so that the table can say whether fine-tuning beat prompting the same
 * small model with good examples.
 *
 * Retrieval is BM25 (k1 1.2, b 0.75) over the words of each diff's file names
 * and changed lines, the text dedupe compares too (context lines say little
 * about a change). BM25 rather than MinHash: it ranks every example by how
 * much of the case's vocabulary it shares, weighting rare identifiers over
 * `const` and `return`, where shingle Jaccard is 0 for all but near-copies.
 * Ties go to the smaller id; an example sharing no word with the case is never
 * picked, so a case can get fewer than k.
 *
 * Never a benchmark case: a training example that shares a commit, an
 * identical or a near-identical diff with any case (the leakage check of
 * 04-curate, lib/curate/leakage.ts) is left out of the index.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { readJsonl } from "../core/jsonl.js";
import { type Case, CuratedSchema } from "../core/records.js";
import { findLeaks } from "../curate/leakage.js";
import { normalizeDiff } from "../curate/dedupe.js";
import { truncateDiffToBudget } from "../extract/diff.js";

export interface FewShotExample {
  id: string;
  /** The training input, cut to the example budget. */
  diff: string;
  message: string;
}

export interface FewShotIndex {
  /** Training examples that can be retrieved. */
  size: number;
  /** Training examples left out because they match a benchmark case (id → case id). */
  excluded: Map<string, string>;
  /** sha256 of the training file: a new training set is a new few-shot run. */
  sourceHash: string;
  /** The k most similar examples, most similar first. */
  retrieve: (diff: string, k: number) => FewShotExample[];
}

const K1 = 1.2;
const B = 0.75;

/** Lower-cased words of the file names and changed lines. */
export function diffTerms(diff: string): string[] {
  const terms: string[] = [];
  for (const line of normalizeDiff(diff).split("\n")) {
    const changed = /^[+-](?![+-]{2} )/.test(line) || line.startsWith("diff --git ");
    if (changed) for (const word of line.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? []) terms.push(word);
  }
  return terms;
}

interface Document {
  example: FewShotExample;
  counts: Map<string, number>;
  length: number;
}

function buildIndex(documents: Document[]): (diff: string, k: number) => FewShotExample[] {
  const frequency = new Map<string, number>();
  for (const doc of documents) for (const term of doc.counts.keys()) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  const n = documents.length;
  const meanLength = documents.reduce((sum, d) => sum + d.length, 0) / Math.max(1, n);
  const idf = (term: string) => {
    const df = frequency.get(term) ?? 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };
  return (diff, k) => {
    const query = [...new Set(diffTerms(diff))].filter((term) => frequency.has(term));
    const scored = documents.map((doc) => {
      let score = 0;
      for (const term of query) {
        const tf = doc.counts.get(term) ?? 0;
        if (tf > 0) score += (idf(term) * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / meanLength));
      }
      return { doc, score };
    });
    return scored
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.doc.example.id.localeCompare(b.doc.example.id))
      .slice(0, k)
      .map((s) => s.doc.example);
  };
}

export interface FewShotOptions {
  /** Characters each example's diff is cut to (whole hunks), so k examples and the case fit num_ctx. */
  exampleDiffChars: number;
  /** The leakage bar of 04-curate: training examples at least this similar to a case are left out. */
  nearDuplicateThreshold: number;
}

/** Reads dataset/train.jsonl and indexes every example that is not (nearly) a benchmark case. */
export async function loadFewShotIndex(trainFile: string, cases: readonly Case[], options: FewShotOptions): Promise<FewShotIndex> {
  const train = await readJsonl(trainFile, CuratedSchema);
  const candidates = train.map((t) => ({ id: t.metadata.id, commitHash: t.metadata.commitHash, diff: t.input }));
  const excluded = new Map(findLeaks(candidates, cases, options.nearDuplicateThreshold).map((leak) => [leak.exampleId, leak.caseId]));
  const documents = train
    .filter((t) => !excluded.has(t.metadata.id))
    .map((t): Document => {
      const counts = new Map<string, number>();
      const terms = diffTerms(t.input);
      for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
      const example = { id: t.metadata.id, diff: truncateDiffToBudget(t.input, options.exampleDiffChars).diff, message: t.output };
      return { example, counts, length: terms.length };
    });
  const sourceHash = createHash("sha256").update(await readFile(trainFile)).digest("hex");
  return { size: documents.length, excluded, sourceHash, retrieve: buildIndex(documents) };
}
