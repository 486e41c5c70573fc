/**
 * What a model can be taught to write, decided once for training and serving
 * (DESIGN §7): headers within the limit the benchmark keeps too, and messages
 * short enough to be generated within `numPredict`.
 *
 * Measured on the 3,000 real messages of ../shared/data (cleaned): bodies are
 * rare (947 have one) and mostly short — body lines p90 5, p95 10, p99 43,
 * max 155, 189 of them squash-merge bullet lists — and estimated message
 * tokens are p50 27, p90 97, p95 175, max 2,253. Hence the defaults
 * `curation.maxBodyLines` 10 (the p95) and `curation.maxMessageTokens` 128
 * (≈ p93, and the served numPredict). A message over either keeps its header
 * (still a true label for the diff) and loses its body; one whose header alone
 * is over the token cap is dropped. So does a body that makes the label more
 * than one message (a code fence, a second header, a meta line: 52 of the
 * 3,000), since the benchmark fails exactly that in formatCompliance.
 */
import { HEADER_MAX_LENGTH, bodyOf, exceedsHeaderLimit, headerOf } from "../conventional/parser.js";
import { messageProblems } from "../conventional/message.js";
import { type CurationFilter, keepIf } from "./candidate.js";
import { estimateTokens } from "./tokens.js";

export const dropLongHeaders: CurationFilter = {
  name: "long header",
  description: `headers over ${HEADER_MAX_LENGTH} characters: neither trained on nor benchmarked (one policy with 02 and 08)`,
  apply: (candidates) =>
    keepIf(candidates, (c) => !exceedsHeaderLimit(c.message) || { reason: "header over 72 characters", detail: `${headerOf(c.message).length} characters` }),
};

const bodyLines = (message: string) => {
  const body = bodyOf(message);
  return body === "" ? 0 : body.split("\n").length;
};

export const capMessages: CurationFilter = {
  name: "message cap",
  description: "a body over curation.maxBodyLines lines, a message over curation.maxMessageTokens tokens, or a body with a fence, second header or meta line is cut to its header",
  apply: (candidates, { maxBodyLines, maxMessageTokens, types }) =>
    keepIf(candidates, (c) => {
      const generable = bodyLines(c.message) <= maxBodyLines && estimateTokens(c.message) <= maxMessageTokens;
      if (generable && messageProblems(c.message, types).length === 0) return true;
      const header = headerOf(c.message);
      const tokens = estimateTokens(header);
      if (tokens > maxMessageTokens) return { reason: "header over the token cap", detail: `${tokens} tokens > curation.maxMessageTokens ${maxMessageTokens}` };
      return { ...c, message: header, capped: true };
    }),
};
