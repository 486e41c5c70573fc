import type { AnyCell } from "./cell.js";
import {
  type CellInputs,
  type CellRecord,
  type Checkpoints,
  changedPaths,
  fingerprintOf,
} from "./checkpoints.js";
import { headline } from "./errors.js";
import { isProcessAlive } from "./lock.js";
import { outProblem, outsDigest } from "./outs.js";

export type CellState = "pending" | "running" | "done" | "stale" | "failed" | "interrupted";

export interface CellStatusRow {
  cell: AnyCell;
  state: CellState;
  /** Why it is in that state: which input changed, what failed, which process died. */
  reasons: string[];
  record: CellRecord | undefined;
  inputs: CellInputs;
  fingerprint: string;
}

/** What the cell's fingerprint would be if it ran now, given its upstream cells' recorded fingerprints. */
export function currentInputs(cell: AnyCell, config: unknown, checkpoints: Checkpoints, options: unknown): CellInputs {
  const upstream: Record<string, string> = {};
  const upstreamOuts: Record<string, string> = {};
  for (const { id } of cell.dependsOn) {
    const record = checkpoints.cells[id];
    upstream[id] = record?.fingerprint ?? "none";
    if (record?.outs?.length) upstreamOuts[id] = outsDigest(record.outs);
  }
  const inputs: CellInputs = { version: cell.version, reads: toJson(cell.reads(config, options)), upstream };
  return Object.keys(upstreamOuts).length ? { ...inputs, upstreamOuts } : inputs;
}

/** Why a done cell's recorded outputs are no longer what it wrote (missing, changed); [] when they are. */
export function outputProblems(record: CellRecord | undefined, root: string): string[] {
  return (record?.outs ?? []).flatMap((out) => outProblem(root, out) ?? []);
}

/**
 * Status of every cell, in pipeline order, the way `dvc status` reads dvc.lock:
 * computed, never stored. With `root`, a done cell's recorded outputs are
 * checked too: one missing or changed makes it stale.
 */
export function computeStatus(
  cells: AnyCell[],
  config: unknown,
  checkpoints: Checkpoints,
  optionsOf: (cell: AnyCell) => unknown = (cell) => cell.options.parse({}),
  root?: string,
): CellStatusRow[] {
  const rows = new Map<string, CellStatusRow>();
  for (const cell of cells) {
    const record = checkpoints.cells[cell.id];
    const inputs = currentInputs(cell, config, checkpoints, optionsOf(cell));
    const fingerprint = fingerprintOf(inputs);
    const { state, reasons } = stateOf(cell, record, inputs, fingerprint, rows);
    if (state === "done" && root !== undefined) {
      const problems = outputProblems(record, root);
      if (problems.length) {
        rows.set(cell.id, { cell, state: "stale", reasons: problems, record, inputs, fingerprint });
        continue;
      }
    }
    rows.set(cell.id, { cell, state, reasons, record, inputs, fingerprint });
  }
  return [...rows.values()];
}

function stateOf(
  cell: AnyCell,
  record: CellRecord | undefined,
  inputs: CellInputs,
  fingerprint: string,
  upstreamRows: Map<string, CellStatusRow>,
): { state: CellState; reasons: string[] } {
  if (!record || record.status === "pending") return { state: "pending", reasons: ["never ran"] };
  if (record.status === "running") {
    if (record.pid !== undefined && isProcessAlive(record.pid)) return { state: "running", reasons: [`pid ${record.pid}`] };
    return { state: "interrupted", reasons: [`its process (pid ${record.pid ?? "?"}) died while running`] };
  }
  if (record.status === "failed" || record.status === "interrupted") {
    return { state: record.status, reasons: [record.error ?? record.status] };
  }
  const reasons: string[] = [];
  for (const { id } of cell.dependsOn) {
    const upstream = upstreamRows.get(id);
    if (upstream && upstream.state !== "done") reasons.push(`upstream ${id} is ${upstream.state}`);
  }
  if (record.fingerprint !== fingerprint) reasons.push(...explainChange(record.inputs, inputs));
  return reasons.length ? { state: "stale", reasons } : { state: "done", reasons: [] };
}

function explainChange(before: CellInputs | undefined, after: CellInputs): string[] {
  if (!before) return ["recorded without inputs"];
  const reasons: string[] = [];
  if (before.version !== after.version) reasons.push(`cell version ${before.version} → ${after.version}`);
  reasons.push(...changedPaths(before.reads, after.reads).map((change) => `config ${change}`));
  for (const [dep, fp] of Object.entries(after.upstream)) {
    if (before.upstream[dep] !== fp) reasons.push(`upstream ${dep} re-ran`);
    else if (before.upstreamOuts?.[dep] !== after.upstreamOuts?.[dep]) reasons.push(`upstream ${dep} wrote other outputs`);
  }
  return reasons.length ? reasons : ["fingerprint changed"];
}

export interface PlanSelection {
  only?: string[];
  from?: string;
  to?: string;
  force?: boolean;
}

export interface PlannedCell {
  row: CellStatusRow;
  action: "run" | "skip";
  why: string;
}

/** Which selected cells run and why; `--force` runs done cells too. */
export function planRun(rows: CellStatusRow[], selection: PlanSelection): PlannedCell[] {
  const index = (id: string) => rows.findIndex((row) => row.cell.id === id);
  const from = selection.from ? index(selection.from) : 0;
  const to = selection.to ? index(selection.to) : rows.length - 1;
  return rows
    .filter((row, i) => (selection.only ? selection.only.includes(row.cell.id) : i >= from && i <= to))
    .map((row) => {
      if (row.state === "done") {
        return selection.force ? { row, action: "run", why: "done, forced" } : { row, action: "skip", why: "done" };
      }
      return { row, action: "run", why: `${row.state}: ${row.reasons.map(headline).join("; ")}` };
    });
}

function toJson(value: unknown): unknown {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
