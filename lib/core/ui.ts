import chalk from "chalk";
import Table from "cli-table3";

export { chalk };

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const STATE_COLOURS: Record<string, (text: string) => string> = {
  done: chalk.green,
  stale: chalk.yellow,
  pending: chalk.gray,
  running: chalk.cyan,
  failed: chalk.red,
  interrupted: chalk.magenta,
};

export function colourState(state: string): string {
  return (STATE_COLOURS[state] ?? ((s: string) => s))(state);
}

/** A plain cli-table3 table; `head` is the header row; the last column wraps at `lastWidth`. */
export function renderTable(head: string[], rows: (string | number)[][], lastWidth = 64): string {
  const colWidths = head.map((_, i) => (i === head.length - 1 ? lastWidth : null));
  const table = new Table({ head: head.map((h) => chalk.bold(h)), style: { head: [], border: [] }, wordWrap: true, colWidths });
  for (const row of rows) table.push(row.map(String));
  return table.toString();
}

export function formatError(message: string, hint?: string): string {
  return `${chalk.red("✗")} ${message}${hint ? `\n  ${chalk.yellow("→")} ${hint}` : ""}`;
}

export const tick = (ok: boolean) => (ok ? chalk.green("✓") : chalk.red("✗"));

export interface ProgressBar {
  /** Sets the absolute count; `extra` fills the `{detail}` slot (live loss, current repo). */
  update: (value: number, detail?: string) => void;
  setTotal: (total: number) => void;
  stop: () => void;
}

/**
 * A cli-progress bar with ETA on a terminal; where stdout is not a terminal
 * (CI, a log file) it prints a plain line at each 10% instead of redrawing.
 */
export async function createProgressBar(label: string, total: number): Promise<ProgressBar> {
  if (!process.stdout.isTTY) return createLineProgress(label, total);
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} {bar} {percentage}% | {value}/{total} | ETA {eta_formatted} | {detail}`,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { detail: "" });
  return {
    update: (value, detail) => bar.update(value, { detail: detail ?? "" }),
    setTotal: (value) => bar.setTotal(value),
    stop: () => bar.stop(),
  };
}

function createLineProgress(label: string, initialTotal: number): ProgressBar {
  let total = initialTotal;
  let lastDecile = -1;
  const started = Date.now();
  return {
    update(value, detail) {
      const decile = total > 0 ? Math.floor((value / total) * 10) : 10;
      if (decile === lastDecile) return;
      lastDecile = decile;
      const elapsed = Date.now() - started;
      const eta = value > 0 && value < total ? ` ETA ${formatDuration((elapsed / value) * (total - value))}` : "";
      console.log(`${label} ${value}/${total}${eta}${detail ? ` ${detail}` : ""}`);
    },
    setTotal(value) {
      total = value;
    },
    stop() {},
  };
}
