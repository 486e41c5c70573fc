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

export interface FittedExample {
  input: string;
  truncated: boolean;
  /** Estimated tokens of prompt + answer + EOS, at most maxSeqLength. */
  tokens: number;
}

/**
 * Truncates the diff so that prompt + output + EOS fit in maxSeqLength;
 * a string (the reason) when the answer itself leaves no room for a diff.
 */
export function fitExampleToBudget(instruction: string, diff: string, output: string, maxSeqLength: number): FittedExample | string {
  const frame = estimateTokens(renderPrompt(instruction, "")) + estimateTokens(output) + 1;
  const diffBudget = maxSeqLength - frame - SAFETY_MARGIN_TOKENS;
  if (diffBudget < MIN_DIFF_TOKENS) {
    return `prompt frame and answer take ${frame} of ${maxSeqLength} tokens, leaving under ${MIN_DIFF_TOKENS} for the diff`;
  }
  const total = (input: string) => estimateTokens(renderPrompt(instruction, input)) + estimateTokens(output) + 1;
  if (total(diff) <= maxSeqLength - SAFETY_MARGIN_TOKENS) return { input: diff, truncated: false, tokens: total(diff) };
  let chars = Math.floor((diff.length * diffBudget) / Math.max(1, estimateTokens(diff)));
  let input = truncateDiffToBudget(diff, chars).diff;
  while (total(input) > maxSeqLength - SAFETY_MARGIN_TOKENS && chars > 0) {
    chars = Math.floor(chars * 0.9);
    input = truncateDiffToBudget(diff, chars).diff;
  }
  return { input, truncated: true, tokens: total(input) };
}
