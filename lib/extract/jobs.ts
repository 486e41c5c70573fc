/**
 * 02-extract's unit of work: one repository into one JSONL file, rewritten
 * atomically, skipped on a re-run when neither the clone's HEAD nor the
 * settings changed. Results are data; the summary table renders them.
 */
import { createHash } from "node:crypto";
import { openAtomicJsonl } from "../core/atomic-jsonl.js";
import { SKIP_REASON_NAMES, type SkipReason } from "./filters.js";
import { type ExtractTally, extractRepository } from "./repository.js";
import type { ExtractSettings } from "./settings.js";
import { fileStamp } from "../core/outs.js";
import { runGit } from "./git.js";
import { createProgressBar, renderTable } from "../core/ui.js";

export interface ExtractJob {
  dir: string;
  file: string;
  settings: ExtractSettings;
}

export interface ExtractJobResult extends ExtractTally {
  name: string;
  role: ExtractSettings["role"];
  file: string;
  head: string;
  settingsKey: string;
  /** Taken from the previous run: same HEAD, same settings, and the file still byte for byte what that run wrote. */
  reused: boolean;
  /** The file as written: a reuse is checked against it, so a truncated or edited file is extracted again. */
  stamp?: { size: number; hash: string };
}

export const settingsKey = (settings: ExtractSettings) => createHash("sha256").update(JSON.stringify(settings)).digest("hex").slice(0, 16);

export async function runExtractionJob(
  job: ExtractJob,
  options: { previous?: ExtractJobResult; force: boolean; signal?: AbortSignal },
): Promise<ExtractJobResult> {
  const head = (await runGit(["rev-parse", "--verify", "HEAD^{commit}"], { cwd: job.dir })).trim();
  const key = settingsKey(job.settings);
  const { previous } = options;
  if (!options.force && previous && previous.file === job.file && previous.head === head && previous.settingsKey === key && unchanged(job.file, previous.stamp)) {
    return { ...previous, reused: true };
  }
  const { name, role, max } = job.settings;
  const bar = await createProgressBar(`${name.padEnd(14)}`, max);
  const writer = await openAtomicJsonl(job.file);
  try {
    const tally = await extractRepository(job.dir, job.settings, {
      write: writer.write,
      signal: options.signal,
      onProgress: (t) => bar.update(t.kept, `scanned ${t.scanned}, skipped ${t.scanned - t.kept}`),
    });
    await writer.commit();
    return { ...tally, name, role, file: job.file, head, settingsKey: key, reused: false, stamp: fileStamp(job.file) };
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    bar.stop();
  }
}

function unchanged(file: string, recorded: ExtractJobResult["stamp"]): boolean {
  const now = fileStamp(file);
  return !!now && !!recorded && now.size === recorded.size && now.hash === recorded.hash;
}

/** One row per repository: scanned, kept, and every skip reason that occurred with its count. */
export function renderExtractSummary(results: ExtractJobResult[]): string {
  const reasons = (skipped: Record<SkipReason, number>) =>
    SKIP_REASON_NAMES.filter((r) => skipped[r] > 0)
      .map((r) => `${r} ${skipped[r]}`)
      .join(", ") || "—";
  const rows = results.map((r) => [
    r.name + (r.reused ? " (unchanged)" : ""),
    r.role === "benchmark" ? "cases" : "train",
    r.scanned,
    r.kept,
    reasons(r.skipped),
  ]);
  return renderTable(["repository", "role", "scanned", "kept", "skipped by reason"], rows);
}
