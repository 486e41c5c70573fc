/**
 * Similarity of a generated description to the expected one, three ways
 * (DESIGN §6): B-Norm BLEU (the variant MCMD found closest to human
 * judgement), ROUGE-L F1, and edit similarity. All in [0, 1].
 */

// Python's sys.float_info.min, added inside the logarithms exactly as the reference script does.
const FLOAT_MIN = 2.2250738585072014e-308;
const MAX_ORDER = 4;

/** The reference script's splitPuncts on the lower-cased, trimmed text: words and single punctuation marks. */
function splitPunctuation(text: string): string {
  return (text.trim().toLowerCase().match(/[\p{L}\p{N}_]+|[^\s\p{L}\p{N}_]/gu) ?? []).join(" ");
}

// NIST mteval-v11a normalisation, as lifted into the B-Norm script (bleu.py of CodeNN / MCMD).
const NORMALIZE_JOIN: Array<[RegExp, string]> = [
  [/<skipped>/g, ""],
  [/-\n/g, ""],
  [/\n/g, " "],
];
const NORMALIZE_TOKENS: Array<[RegExp, string]> = [
  [/([{-~[-` -&(-+:-@\/])/g, " $1 "],
  [/([^0-9])([.,])/g, "$1 $2 "],
  [/([.,])([^0-9])/g, " $1 $2"],
  [/([0-9])(-)/g, "$1 $2 "],
];

function nistTokens(text: string): string[] {
  let s = text;
  for (const [pattern, replacement] of NORMALIZE_JOIN) s = s.replace(pattern, replacement);
  s = ` ${s.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&")} `.toLowerCase();
  for (const [pattern, replacement] of NORMALIZE_TOKENS) s = s.replace(pattern, replacement);
  return s.split(/\s+/).filter((t) => t !== "");
}

function ngramCounts(tokens: string[], order: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + order <= tokens.length; i += 1) {
    const key = tokens.slice(i, i + order).join("\u0000");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/**
 * Sentence-level B-Norm BLEU-4: case-insensitive, punctuation split, clipped
 * n-gram precisions with add-one smoothing for orders 2–4 (Lin & Och 2004),
 * and the script's brevity penalty min(0, 1 − (r + 1) / (c + 1)) in log space.
 */
export function bNormBleu(candidate: string, reference: string): number {
  const test = nistTokens(splitPunctuation(candidate));
  const ref = nistTokens(splitPunctuation(reference));
  let logBleu = 0;
  for (let order = 1; order <= MAX_ORDER; order += 1) {
    const refCounts = ngramCounts(ref, order);
    let correct = 0;
    for (const [ngram, count] of ngramCounts(test, order)) correct += Math.min(count, refCounts.get(ngram) ?? 0);
    const guess = Math.max(test.length - order + 1, 0);
    const smoothing = order > 1 ? 1 : 0;
    logBleu += Math.log(correct + smoothing + FLOAT_MIN) - Math.log(guess + smoothing + FLOAT_MIN);
  }
  const brevityPenalty = Math.min(0, 1 - (ref.length + 1) / (test.length + 1));
  return Math.exp(logBleu / MAX_ORDER + brevityPenalty);
}

/** Lower-cased runs of letters and digits, as rouge-score tokenizes (but keeping non-ASCII letters). */
function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

function longestCommonSubsequence(a: string[], b: string[]): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (const tokenA of a) {
    const current = [0];
    b.forEach((tokenB, j) => current.push(tokenA === tokenB ? previous[j]! + 1 : Math.max(previous[j + 1]!, current[j]!)));
    previous = current;
  }
  return previous[b.length]!;
}

/** ROUGE-L F1 over word tokens: 2PR / (P + R) with P, R from the longest common subsequence; 0 when either is empty. */
export function rougeL(candidate: string, reference: string): number {
  const test = wordTokens(candidate);
  const ref = wordTokens(reference);
  const lcs = longestCommonSubsequence(test, ref);
  if (lcs === 0) return 0;
  const precision = lcs / test.length;
  const recall = lcs / ref.length;
  return (2 * precision * recall) / (precision + recall);
}

function levenshtein(a: string[], b: string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  a.forEach((charA, i) => {
    const current = [i + 1];
    b.forEach((charB, j) => current.push(Math.min(previous[j + 1]! + 1, current[j]! + 1, previous[j]! + (charA === charB ? 0 : 1))));
    previous = current;
  });
  return previous[b.length]!;
}

/** 1 − Levenshtein distance / longer length, over characters (code points), case-sensitive: what a user would retype. */
export function editSimilarity(candidate: string, reference: string): number {
  const a = Array.from(candidate);
  const b = Array.from(reference);
  const longer = Math.max(a.length, b.length);
  return longer === 0 ? 1 : 1 - levenshtein(a, b) / longer;
}
