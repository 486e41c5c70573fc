/**
 * Scores real use (`08-benchmark --usage DIR`): per model, how many
 * suggestions were committed unchanged, how much of the rest the user kept
 * (edit similarity, the benchmark's own), and whether the type survived.
 * Only suggestions whose diff was committed count; the others were abandoned
 * or re-staged and say nothing about the message.
 */
import { stat } from "node:fs/promises";
import { editSimilarity } from "../benchmark/similarity.js";
import { NO_TYPE } from "../benchmark/metrics.js";
import { typeOf } from "../conventional/parser.js";
import { RunbookError } from "../core/errors.js";
import { renderTable } from "../core/ui.js";
import { type UsageEntry, readUsageLog, usageLogOf } from "./usage-log.js";
import { worktreeTop } from "./git.js";

export interface ModelUsage {
  model: string;
  suggestions: number;
  committed: number;
  unchanged: number;
  /** Mean over committed suggestions (an unchanged one is 1). */
  editSimilarity: number | null;
  /** Mean over the edited ones only: how much of an edited suggestion survived. */
  editedSimilarity: number | null;
  typeKept: number;
  /** `feat → fix`: how often. */
  typeChanges: Record<string, number>;
}

/** git's default cleanup strips trailing spaces and collapses blank lines; a suggestion is compared as git would commit it. */
export const normalizeMessage = (message: string) =>
  message
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => line.trimEnd())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();

const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

export function scoreUsage(entries: UsageEntry[]): ModelUsage[] {
  const byModel = new Map<string, UsageEntry[]>();
  for (const entry of entries) byModel.set(entry.model, [...(byModel.get(entry.model) ?? []), entry]);
  return [...byModel].map(([model, list]) => {
    const pairs = list.flatMap((e) => (e.committed === null ? [] : [{ s: normalizeMessage(e.suggestion), c: normalizeMessage(e.committed) }]));
    const edited = pairs.filter((p) => p.s !== p.c);
    const typeChanges: Record<string, number> = {};
    let typeKept = 0;
    for (const { s, c } of pairs) {
      const [from, to] = [typeOf(s) ?? NO_TYPE, typeOf(c) ?? NO_TYPE];
      if (from === to) typeKept += 1;
      else typeChanges[`${from} → ${to}`] = (typeChanges[`${from} → ${to}`] ?? 0) + 1;
    }
    return {
      model,
      suggestions: list.length,
      committed: pairs.length,
      unchanged: pairs.length - edited.length,
      editSimilarity: mean(pairs.map((p) => editSimilarity(p.s, p.c))),
      editedSimilarity: mean(edited.map((p) => editSimilarity(p.s, p.c))),
      typeKept,
      typeChanges,
    };
  });
}

/** DIR is a repository (its usage log is in its git dir) or a usage log file itself. */
export async function findUsageLog(target: string): Promise<string> {
  const info = await stat(target).catch(() => undefined);
  if (!info) throw new RunbookError(`${target} does not exist`, "Pass a repository with the hook installed, or its joco-usage.jsonl.");
  return info.isDirectory() ? usageLogOf(await worktreeTop(target)) : target;
}

const percent = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)}%` : "—");
const similarity = (value: number | null) => (value === null ? "—" : (100 * value).toFixed(1));

export async function renderUsageReport(target: string): Promise<string> {
  const file = await findUsageLog(target);
  const scores = scoreUsage(await readUsageLog(file));
  if (scores.length === 0) return `No suggestions logged in ${file} yet (install the hook: npx tsx runbook/run.ts hook install --repo DIR).`;
  const rows = scores.map((m) => [
    m.model,
    m.suggestions,
    m.committed,
    `${m.unchanged} of ${m.committed} (${percent(m.unchanged, m.committed)})`,
    similarity(m.editSimilarity),
    similarity(m.editedSimilarity),
    `${m.typeKept} of ${m.committed}`,
    Object.entries(m.typeChanges).map(([change, n]) => `${change} ×${n}`).join(", ") || "—",
  ]);
  const head = ["model", "suggested", "committed", "unchanged", "edit sim.", "edit sim. (edited)", "type kept", "type changed"];
  return [`Real use from ${file}`, renderTable(head, rows, 24), "Edit similarity ×100: 1 − Levenshtein / longer length, suggestion vs committed message."].join("\n");
}
