/**
 * The curation pipeline as a list of filters. Each filter takes the surviving
 * candidates and returns those it keeps and those it drops, each with a reason,
 * so the report (tables, stats.json) is computed from data, never from logs.
 */
import { RunbookError } from "../core/errors.js";
import type { Labeled } from "../core/records.js";
import { splitStratified } from "./split.js";
import { CURATION_FILTERS } from "./filters.js";
import { type CurationFilter, type CurationResult, type CurationSettings, type Stage, toCandidate } from "./candidate.js";

/** Runs every filter in order, then splits what survives. Leakage throws (LeakageError) from its filter. */
export async function curate(
  records: readonly Labeled[],
  settings: CurationSettings,
  filters: readonly CurationFilter[] = CURATION_FILTERS,
): Promise<CurationResult> {
  const input = uniqueById(records).map(toCandidate);
  const stages: Stage[] = [];
  let current = input;
  for (const filter of filters) {
    const { kept, dropped } = await filter.apply(current, settings);
    stages.push({ filter: filter.name, description: filter.description, kept, dropped });
    current = kept;
  }
  const split = splitStratified(current, {
    stratumOf: (c) => c.type,
    idOf: (c) => c.id,
    fraction: settings.validationFraction,
    seed: settings.seed,
  });
  return { input, stages, kept: current, split };
}

/** The same id twice (a labeled file copied under two names) is one item, not a duplicate to report. */
function uniqueById(records: readonly Labeled[]): Labeled[] {
  const seen = new Set<string>();
  return records.filter((record) => !seen.has(record.id) && Boolean(seen.add(record.id)));
}

export class TargetNotReachedError extends RunbookError {}

/** Below curation.target the dataset is too small to teach the format reliably: fail, saying how to get more. */
export function assertTargetReached(count: number, target: number, max: number): void {
  if (count >= target) return;
  throw new TargetNotReachedError(
    `Only ${count} examples survive curation; curation.target is ${target}.`,
    `Get more labeled diffs: add training repositories to \`repos\`, or raise \`extract.maxPerRepo\` (or a repository's \`max\`) ` +
      `and re-run 02-extract and 03-label; see the tables above for which filter removed most. ` +
      `Lowering curation.target (or raising curation.max, now ${max}, when the caps removed many) also works.`,
  );
}
