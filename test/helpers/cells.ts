import type { AnyCell } from "../../lib/core/cell.js";
import { executeCell } from "../../lib/core/executor.js";

/** Runs a cell the way the runbook does (preconditions, checkpoints.json), in-process. */
export async function runCell(cell: AnyCell, root: string, config: unknown, options: Record<string, unknown> = {}, force = false) {
  const lines: string[] = [];
  const result = await executeCell(cell, {
    root,
    config,
    options: cell.options.parse(options),
    args: [],
    force,
    log: (line = "") => lines.push(line),
    signal: new AbortController().signal,
  });
  return { ...result, output: lines.join("\n") };
}
