/**
 * A conservative token estimate, and fitting one training example into
 * `training.maxSeqLength` by truncating its diff — never its answer.
 *
 * No tokenizer ships with Node, so we estimate. Qwen2's tokenizer first splits
 * text with the regex below (its pre-tokenizer: digits one by one, letter runs,
 * punctuation runs, whitespace), then BPE-merges inside each piece. We charge
 * each piece by its UTF-8 bytes: letter runs (bytes + 1) / 3, punctuation
 * bytes / 2, whitespace length / 8, a digit 1. Calibrated on the 3,000 real
 * diffs of ../shared/data against cl100k BPE applied to the same pieces
 * (Qwen2's vocabulary grew from it): it overestimates by 1.6× at the median and
 * underestimates 2 of 3,000 (a base64 source map by 20%, go.sum hashes by 1%), where a plain
 * chars / 3 underestimates 1 diff in 4. A 16-token margin covers piece
 * boundaries, and EOS is counted; the rare high-entropy diff (base64, hashes)
 * can still be underestimated, which only the trainer's real tokenizer can see.
 */
import { renderPrompt } from "../conventional/prompt.js";
import { truncateDiffToBudget } from "../extract/diff.js";

const QWEN2_PRETOKENIZER = /(?:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/giu;
const LETTER = /\p{L}/u;
const WHITESPACE_ONLY = /^\s+$/;

/** Tokens held back for piece boundaries where the prompt frame meets the diff and the answer. */
export const SAFETY_MARGIN_TOKENS = 16;
/** Below this many tokens of diff an example teaches nothing: dropped, not truncated to nothing. */
export const MIN_DIFF_TOKENS = 64;

export const TOKEN_ESTIMATE_METHOD = "qwen2-pretokenizer pieces: letters (bytes+1)/3, punctuation bytes/2, whitespace len/8, digit 1";

export function estimateTokens(text: string): number {
  let tokens = 0;
  for (const [piece] of text.matchAll(QWEN2_PRETOKENIZER)) {
    if (LETTER.test(piece)) tokens += Math.ceil((Buffer.byteLength(piece) + 1) / 3);
    else if (WHITESPACE_ONLY.test(piece)) tokens += Math.ceil(piece.length / 8);
    else tokens += Math.ceil(Buffer.byteLength(piece) / 2);
  }
  return tokens;
}

/**
 * The diff budget, one figure for training (04) and serving (08, suggest):
 * what `maxSeqLength` leaves for the diff once the prompt frame, the longest
 * message the model is trained to write (`curation.maxMessageTokens`), EOS
 * and the safety margin are taken out. Counted with `estimateTokens`, so both
 * sides count it the same way; it does not depend on any one example's answer,
 * so the same diff is cut the same way whichever side cuts it.
 */
export function diffTokenBudget(instruction: string, maxSeqLength: number, maxMessageTokens: number): number {
  return maxSeqLength - estimateTokens(renderPrompt(instruction, "")) - maxMessageTokens - 1 - SAFETY_MARGIN_TOKENS;
}

export interface FittedDiff {
  diff: string;
  truncated: boolean;
  /** Estimated tokens of the diff as it is now. */
  tokens: number;
}

/**
 * Cuts a diff to `budgetTokens` estimated tokens with `truncateDiffToBudget`
 * (stat block, whole hunks shared across files): a character budget scaled
 * from the estimate, shrunk by a tenth until the estimate fits. Deterministic:
 * the same diff and budget give the same bytes.
 */
export function fitDiffToTokens(diff: string, budgetTokens: number): FittedDiff {
  const tokens = estimateTokens(diff);
  if (tokens <= budgetTokens) return { diff, truncated: false, tokens };
  let chars = Math.floor((diff.length * budgetTokens) / Math.max(1, tokens));
  let cut = truncateDiffToBudget(diff, chars).diff;
  while (estimateTokens(cut) > budgetTokens && chars > 0) {
    chars = Math.floor(chars * 0.9);
    cut = truncateDiffToBudget(diff, chars).diff;
  }
  return { diff: cut, truncated: true, tokens: estimateTokens(cut) };
}

export interface FittedExample {
  input: string;
  truncated: boolean;
  /** Estimated tokens of prompt + answer + EOS, at most maxSeqLength − the safety margin. */
  tokens: number;
}

/**
 * A training example within `maxSeqLength`: the diff cut to the shared
 * `diffTokenBudget` (never the answer); a string (the reason) when the answer
 * is longer than `maxMessageTokens`, which the budget was made for.
 */
export function fitExampleToBudget(instruction: string, diff: string, output: string, limits: { maxSeqLength: number; maxMessageTokens: number }): FittedExample | string {
  const answer = estimateTokens(output);
  if (answer > limits.maxMessageTokens) return `the answer takes ${answer} tokens, more than curation.maxMessageTokens (${limits.maxMessageTokens})`;
  const budget = diffTokenBudget(instruction, limits.maxSeqLength, limits.maxMessageTokens);
  if (budget < MIN_DIFF_TOKENS) return `training.maxSeqLength ${limits.maxSeqLength} leaves ${budget} tokens for the diff, under ${MIN_DIFF_TOKENS}`;
  const fitted = fitDiffToTokens(diff, budget);
  const tokens = estimateTokens(renderPrompt(instruction, fitted.diff)) + answer + 1;
  return { input: fitted.diff, truncated: fitted.truncated, tokens };
}
