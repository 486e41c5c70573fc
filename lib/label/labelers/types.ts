import type { Label, RawDiff, Usage } from "../../core/records.js";
import type { RunStop } from "../anthropic.js";

export type LabelerBackend = "claude" | "original";

/** What labeling one diff came to. Per-item failures are data, never exceptions that stop the batch. */
export type LabelOutcome =
  | { status: "labeled"; message: string; label: Label; usage: Usage | null }
  /** The labeler declines this diff on purpose (an original message that is not conventional). */
  | { status: "skipped"; reason: string }
  /** It tried and could not: the API kept failing, or the answer stayed invalid after the one re-ask; `stop`: no other diff can succeed either. */
  | { status: "failed"; error: string; usage: Usage | null; stop?: RunStop };

/**
 * A labeler turns a raw diff into a Conventional Commit label. One file per
 * backend under lib/labelers/; a new backend is one more file and a line in
 * index.ts.
 */
export interface Labeler {
  backend: LabelerBackend;
  model: string | null;
  /**
   * Changes whenever this labeler would answer differently for the same diff
   * (prompt version, allowed types); it enters the cache key.
   */
  version: string;
  /** True when the label comes from the commit's own message (then it is part of the cache key), not from the diff alone. */
  readsMessage: boolean;
  /** Rejects only when `signal` is aborted (Ctrl-C); every other problem is an outcome. */
  label(item: RawDiff, signal: AbortSignal): Promise<LabelOutcome>;
}
