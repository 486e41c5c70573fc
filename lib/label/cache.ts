/**
 * The label cache: one JSONL line per labeled diff, appended the moment its
 * label is known, so that a crash (kill -9 included) loses at most the
 * requests in flight and a re-run never pays for a label twice. Keyed by
 * sha256 of the diff (and, for the `original` labeler, the commit message it
 * reads), the labeler's prompt version and its model: a new prompt or model
 * labels afresh, the same diff in two places is asked about once.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { appendJsonl, readJsonlIfExists, repairJsonlTail } from "../core/jsonl.js";
import type { Labeler } from "./labelers/types.js";
import { LabelSchema, LabeledSchema, type RawDiff, UsageSchema } from "../core/records.js";

export const LabelCacheEntrySchema = z.object({
  key: z.string().regex(/^[0-9a-f]{64}$/),
  /** The raw diff it was first labeled for (for a human reading the file). */
  id: z.string(),
  message: z.string().min(1),
  label: LabelSchema,
  labeler: LabeledSchema.shape.labeler,
  usage: UsageSchema.nullable(),
  labeledAt: z.string(),
});
export type LabelCacheEntry = z.infer<typeof LabelCacheEntrySchema>;

export function labelCacheKey(
  item: Pick<RawDiff, "diff" | "originalMessage">,
  labeler: Pick<Labeler, "backend" | "model" | "version" | "readsMessage">,
): string {
  const message = labeler.readsMessage ? item.originalMessage : null;
  return createHash("sha256")
    .update(JSON.stringify([item.diff, message, labeler.version, labeler.backend, labeler.model]))
    .digest("hex");
}

export interface LabelCache {
  file: string;
  get(key: string): LabelCacheEntry | undefined;
  put(entry: LabelCacheEntry): Promise<void>;
}

/**
 * Loads the cache, dropping a line torn by a crash. With `ignoreExisting`
 * (--force) earlier labels are not reused, but stay in the file: the new
 * lines come later and win on the next read.
 */
export async function openLabelCache(file: string, { ignoreExisting = false } = {}): Promise<LabelCache> {
  await repairJsonlTail(file);
  const entries = new Map<string, LabelCacheEntry>();
  if (!ignoreExisting) {
    for (const entry of await readJsonlIfExists(file, LabelCacheEntrySchema)) entries.set(entry.key, entry);
  }
  return {
    file,
    get: (key) => entries.get(key),
    put: async (entry) => {
      await appendJsonl(file, entry);
      entries.set(entry.key, entry);
    },
  };
}
