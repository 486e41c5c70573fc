/**
 * The label cache: one JSONL line per labeled diff, appended the moment its
 * label is known, so that a crash (kill -9 included) loses at most the
 * requests in flight and a re-run never pays for a label twice. Keyed by
 * sha256 of the diff (and, for the `original` labeler, the commit message it
 * reads), the labeler's prompt version and its model: a new prompt or model
 * labels afresh, the same diff in two places is asked about once. A bad line
 * in the middle (a hand edit, a disk error) is skipped with a warning naming
 * file and line: it costs one label again, never the run. `compact` rewrites
 * the file with one line per key, so `--force` runs do not grow it.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { type JsonlProblem, appendJsonl, readJsonlIfExists, repairJsonlTail, writeJsonlAtomic } from "../core/jsonl.js";
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
  /** Rewrites the file atomically with the latest line of each key, when it holds more (repeats, bad lines). */
  compact(): Promise<{ lines: number; kept: number }>;
}

const WARNED_LINES = 20;

/**
 * Loads the cache, dropping a line torn by a crash and warning about bad ones.
 * With `ignoreExisting` (--force) earlier labels are not reused, but stay in
 * the file until this run's labels replace them at `compact`.
 */
export async function openLabelCache(
  file: string,
  { ignoreExisting = false, warn = () => {} }: { ignoreExisting?: boolean; warn?: (message: string) => void } = {},
): Promise<LabelCache> {
  await repairJsonlTail(file);
  const entries = new Map<string, LabelCacheEntry>();
  const labeledNow = new Set<string>();
  const bad: JsonlProblem[] = [];
  let lines = 0;
  for (const entry of await readJsonlIfExists(file, LabelCacheEntrySchema, { onBadLine: (problem) => bad.push(problem) })) {
    entries.set(entry.key, entry);
    lines += 1;
  }
  if (bad.length) {
    const shown = bad.slice(0, WARNED_LINES).map((problem) => `  ${problem.text}`);
    const more = bad.length > WARNED_LINES ? [`  … and ${bad.length - WARNED_LINES} more`] : [];
    warn([`${bad.length} bad line(s) in the label cache skipped (their diffs are labeled again):`, ...shown, ...more].join("\n"));
  }
  return {
    file,
    get: (key) => (ignoreExisting && !labeledNow.has(key) ? undefined : entries.get(key)),
    put: async (entry) => {
      await appendJsonl(file, entry);
      entries.set(entry.key, entry);
      labeledNow.add(entry.key);
      lines += 1;
    },
    compact: async () => {
      const before = lines + bad.length;
      if (before > entries.size) {
        await writeJsonlAtomic(file, entries.values());
        lines = entries.size;
        bad.length = 0;
      }
      return { lines: before, kept: entries.size };
    },
  };
}
