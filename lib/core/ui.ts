import { stripVTControlCharacters } from "node:util";
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

/** Columns to fit: the terminal's; without one (a pipe, CI, a log file) $COLUMNS, else 100. */
export function screenWidth(): number {
  if (process.stdout.isTTY && process.stdout.columns) return process.stdout.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : 100;
}

/** Characters on screen of the widest line (colour codes do not count). */
export const visibleWidth = (text: string) => Math.max(0, ...stripVTControlCharacters(text).split("\n").map((line) => [...line].length));

const MIN_COLUMN = 6;
/** A column is narrowed below its longest word (which then breaks) only when nothing else is left; a path or URL counts as this long. */
const LONG_WORD = 22;

/**
 * Column widths (padding included, as cli-table3 counts them) that fit
 * `width`: each column as wide as its content (the last at most
 * `lastWidth`), then narrowed one character at a time, the widest first:
 * first the columns before the last (the free-text column that wraps best),
 * down to their longest word; then the last; then any, breaking words.
 */
export function fitColumns(natural: number[], width: number, lastWidth: number, longestWords: number[] = natural): number[] {
  const last = natural.length - 1;
  const widths = natural.map((w, i) => (i === last ? Math.min(w, lastWidth) : w));
  const floors = widths.map((w, i) => Math.min(w, Math.max(MIN_COLUMN, Math.min(longestWords[i]!, LONG_WORD) + 2)));
  const budget = width - (widths.length + 1); // the borders
  const phases = [(i: number) => i !== last && widths[i]! > floors[i]!, (i: number) => i === last && widths[i]! > floors[i]!, (i: number) => widths[i]! > MIN_COLUMN];
  let total = widths.reduce((a, b) => a + b, 0);
  for (const shrinkable of phases) {
    while (total > budget) {
      const candidates = widths.map((_, i) => i).filter(shrinkable);
      if (candidates.length === 0) break;
      const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
      widths[widest]! -= 1;
      total -= 1;
    }
  }
  return widths;
}

const longestWord = (text: string) => Math.max(0, ...stripVTControlCharacters(text).split(/\s+/).map((word) => [...word].length));

/** A word longer than its column (a path, a URL) is cut into pieces that fit, instead of being cut off with "…". */
function breakLongWords(text: string, room: number): string {
  if (room < 1) return text;
  return text.replace(/\S+/g, (word) => (word.length > room && !word.includes("\x1b") ? word.match(new RegExp(`.{1,${room}}`, "gu"))!.join("\n") : word));
}

/**
 * A cli-table3 table that fits the screen (screenWidth): long cells wrap
 * inside their column; `head` is the header row; the last column is at most
 * `lastWidth` wide.
 */
export function renderTable(head: string[], rows: (string | number)[][], lastWidth = 64): string {
  const cells = [head, ...rows.map((row) => row.map(String))];
  const natural = head.map((_, i) => Math.max(3, ...cells.map((row) => visibleWidth(row[i] ?? ""))) + 2);
  const words = head.map((_, i) => Math.max(...cells.map((row) => longestWord(row[i] ?? ""))));
  const colWidths = fitColumns(natural, screenWidth(), lastWidth, words);
  const fit = (row: string[]) => row.map((cell, i) => breakLongWords(cell, colWidths[i]! - 2));
  const table = new Table({ head: fit(head).map((h) => chalk.bold(h)), style: { head: [], border: [] }, wordWrap: true, colWidths });
  for (const row of cells.slice(1)) table.push(fit(row));
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

/** cli-progress's ETA in seconds; its own formatter turns the "NULL" and "INF" it gives when it cannot tell into "LLs" and "NFs". */
export function formatEta(seconds: unknown): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "…";
  return seconds < 1 ? "0s" : formatDuration(seconds * 1000);
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
      formatTime: formatEta,
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
