import type { CellStatusRow, PlannedCell } from "./pipeline.js";
import { chalk, colourState, formatDuration, formatTime, renderTable } from "./ui.js";

/** The `status` table: computed by pipeline.computeStatus, rendered only here. */
export function printStatus(rows: CellStatusRow[]): void {
  const table = rows.map(({ cell, state, reasons, record }) => [
    cell.id,
    cell.title,
    colourState(state),
    formatTime(record?.endedAt),
    formatDuration(record?.durationMs),
    describeRow(state, reasons, record?.summary, record?.hint),
  ]);
  console.log(renderTable(["cell", "title", "state", "finished", "took", "summary"], table));
  const next = rows.find((row) => row.state !== "done");
  console.log(
    next
      ? chalk.gray(`Next: npx tsx runbook/${next.cell.id}.ts   (or npm run runbook for every pending cell)`)
      : chalk.green("Every cell is done."),
  );
}

function describeRow(state: string, reasons: string[], summary?: string, hint?: string): string {
  if (state === "done") return summary ?? "";
  if (state === "stale") return `stale: ${reasons.join("; ")}`;
  if (state === "failed" || state === "interrupted") {
    // The first line of the error: the whole of it is in checkpoints.json and was printed when it happened.
    const first = reasons.map((reason) => reason.split("\n")[0] ?? "").join("; ");
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
