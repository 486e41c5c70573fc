import { headline } from "./errors.js";
import type { CellStatusRow, PlannedCell } from "./pipeline.js";
import { chalk, colourState, formatDuration, formatTime, renderTable } from "./ui.js";

/** The `status` table: computed by pipeline.computeStatus, rendered only here. */
export function printStatus(rows: CellStatusRow[]): void {
  const table = rows.map(({ cell, state, reasons, record }) => [
    `${cell.id} ${chalk.gray(cell.title)}`,
    colourState(state),
    [formatTime(record?.endedAt), record?.durationMs === undefined ? "" : `(${formatDuration(record.durationMs)})`].filter(Boolean).join(" "),
    describeRow(state, reasons, record?.summary, record?.hint),
  ]);
  console.log(renderTable(["cell", "state", "finished (took)", "summary"], table));
  const running = rows.find((row) => row.state === "running");
  const next = rows.find((row) => row.state !== "done");
  console.log(
    running
      ? chalk.cyan(`${running.cell.id} is running (${running.reasons.join("; ")}): run status again to follow it.`)
      : next
        ? chalk.gray(`Next: npx tsx runbook/${next.cell.id}.ts (npm run runbook: all pending cells)`)
        : chalk.green("Every cell is done."),
  );
}

function describeRow(state: string, reasons: string[], summary?: string, hint?: string): string {
  if (state === "done") return summary ?? "";
  if (state === "stale") return `stale: ${reasons.join("; ")}`;
  if (state === "failed" || state === "interrupted") {
    // The headline of the error: the whole of it is in checkpoints.json and was printed when it happened.
    const first = reasons.map(headline).join("; ");
    return [first, hint ? chalk.yellow(`→ ${hint}`) : ""].filter(Boolean).join("\n");
  }
  return reasons.join("; ");
}

/** `--dry-run`: what would run, and why. */
export function printPlan(plan: PlannedCell[]): void {
  const rows = plan.map(({ row, action, why }) => [row.cell.id, action === "run" ? chalk.bold("run") : chalk.gray("skip"), why]);
  console.log(renderTable(["cell", "action", "why"], rows));
  console.log(chalk.gray("Dry run: nothing was changed."));
}
