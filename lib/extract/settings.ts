/** What one extraction job is told, and how a commit's verdict is carried between the listing and its patch. */
import type { SkipReason } from "./filters.js";
import type { CommitEntry } from "./history.js";

export interface ExtractSettings {
  /** The folder name under tmp/repos; the prefix of every id. */
  name: string;
  /** What records call the repository (`owner/repo` where the URL says so). */
  repository: string;
  /** Training diffs keep any message; benchmark cases need a Conventional Commit. */
  role: "train" | "benchmark";
  max: number;
  diffBudgetChars: number;
  maxChangedLines: number;
  maxFiles: number;
  maxBlobBytes: number;
  types: string[];
}

/** Where a commit was judged: from the listing (message, author, paths), from blob sizes, or from its patch. */
export type SkipStage = "listing" | "sizes" | "patch";

export interface ChunkEntry {
  commit: CommitEntry;
  reason?: SkipReason;
  stage?: SkipStage;
  /** Benchmark role: the message as a case expects it (squash reference and trailers stripped). */
  expectedMessage?: string;
}
