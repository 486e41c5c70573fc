/**
 * The data formats of DESIGN §5, one zod schema each: the single source of
 * truth for every JSONL file the runbook reads or writes.
 */
import { z } from "zod";

/** A held-out benchmark case, the original harness's format; extra keys from elsewhere are kept as they are. */
export const CaseSchema = z.looseObject({
  id: z.string().min(1),
  // An empty diff gives a model nothing to write a message for, and would be scored as if it had.
  diff: z.string().refine((diff) => diff.trim() !== "", "empty diff: there is nothing to write a message for"),
  expectedMessage: z.string(),
  repository: z.string(),
  commitHash: z.string(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});

export const DiffStatsSchema = z.object({
  files: z.int().min(0),
  insertions: z.int().min(0),
  deletions: z.int().min(0),
});

export const RawDiffSchema = z.object({
  id: z.string().min(1),
  repository: z.string(),
  commitHash: z.string(),
  date: z.string(),
  diff: z.string(),
  originalMessage: z.string(),
  stats: DiffStatsSchema,
  truncated: z.boolean(),
});

/**
 * What a labeler produces. The same object is Claude's structured output
 * format (zodOutputFormat) — keep it to what JSON Schema output supports.
 */
export const LabelSchema = z.object({
  type: z.string().describe("Conventional Commit type, lower case"),
  scope: z.string().nullable().describe("optional scope: the area of the code, lower case, or null"),
  breaking: z.boolean().describe("true only for a breaking change"),
  subject: z.string().describe("imperative, lower-case description without a trailing period"),
  body: z.string().nullable().describe("optional body explaining why, or null"),
});

export const UsageSchema = z.object({
  inputTokens: z.int().min(0),
  outputTokens: z.int().min(0),
  cacheReadTokens: z.int().min(0).default(0),
  cacheWriteTokens: z.int().min(0).default(0),
  costUsd: z.number().min(0),
});

export const LabeledSchema = RawDiffSchema.extend({
  message: z.string().min(1),
  label: LabelSchema,
  labeler: z.object({ backend: z.string(), model: z.string().nullable() }),
  usage: UsageSchema.nullable(),
});

export const CuratedSchema = z.object({
  instruction: z.string(),
  input: z.string(),
  output: z.string(),
  metadata: z.object({
    id: z.string(),
    repository: z.string(),
    commitHash: z.string(),
    type: z.string(),
    scope: z.string().nullable(),
  }),
});

/** The same curated example for chat trainers: the instruction as system message, the diff as user turn. */
export const CuratedChatSchema = z.object({
  messages: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })),
  metadata: CuratedSchema.shape.metadata,
});

export type Case = z.infer<typeof CaseSchema>;
export type DiffStats = z.infer<typeof DiffStatsSchema>;
export type RawDiff = z.infer<typeof RawDiffSchema>;
export type Label = z.infer<typeof LabelSchema>;
export type Usage = z.infer<typeof UsageSchema>;
export type Labeled = z.infer<typeof LabeledSchema>;
export type Curated = z.infer<typeof CuratedSchema>;
export type CuratedChat = z.infer<typeof CuratedChatSchema>;
