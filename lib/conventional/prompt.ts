/**
 * The training prompt: the plan's Alpaca frame. Training (python/prompting.py),
 * the Modelfile TEMPLATE (07) and benchmark generation (08) must all produce
 * these exact bytes; tests compare the sides. Bump PROMPT_VERSION on any change.
 */
export const PROMPT_VERSION = 1;

export const TRAINING_INSTRUCTION =
  "Write a Conventional Commit message for this git diff: `type(scope): description`, " +
  "lower case, imperative mood, no trailing period, header at most 72 characters.";

/** The prompt up to and including `### Response:\n`: what the model sees before it writes. */
export function renderPrompt(instruction: string, input: string): string {
  return `### Instruction:\n${instruction}\n\n### Input:\n${input}\n\n### Response:\n`;
}

/** A training example: the prompt, the answer, and the tokenizer's EOS so the model learns to stop. */
export function renderTrainingText(instruction: string, input: string, output: string, eosToken: string): string {
  return `${renderPrompt(instruction, input)}${output}${eosToken}`;
}
