/**
 * The few error kinds the runbook distinguishes. Each carries a one-line hint
 * that tells the user what to do; the entry point prints message + hint and
 * sets the exit code, nothing below it calls process.exit.
 */
export class RunbookError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A cell cannot start: something it needs is missing. */
export class PreconditionError extends RunbookError {}

/** The configuration (defaults + joco.config.json + --config) is invalid; lists every problem. */
export class ConfigError extends RunbookError {
  constructor(
    readonly file: string | undefined,
    readonly problems: string[],
  ) {
    super(
      `Invalid configuration${file ? ` in ${file}` : ""}:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
      "Fix the keys named above (see runbook/00-config.ts for every key and its default).",
    );
  }
}

/** checkpoints.json cannot be trusted; we never reset it silently. */
export class CheckpointsError extends RunbookError {}

/** Another runbook process holds the folder's lock. */
export class LockedError extends RunbookError {}

/** Bad command-line arguments. */
export class UsageError extends RunbookError {}

/** An external command failed: keeps its exit code and stderr for the report. */
export class CommandError extends RunbookError {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    hint?: string,
  ) {
    const tail = stderr.trim().split("\n").slice(-5).join("\n");
    super(`${command} failed with exit code ${exitCode ?? "unknown"}${tail ? `:\n${tail}` : ""}`, hint);
  }
}

/** A cell whose issue has not landed yet: fails plainly, is never marked done. */
export class NotImplementedError extends RunbookError {
  constructor(cellId: string) {
    super(
      `${cellId} is not implemented yet: this step has no code behind it, so nothing was done.`,
      "Run the cells that are implemented (`npx tsx runbook/run.ts status`), or pull a newer version.",
    );
  }
}

/** Ctrl-C (SIGINT/SIGTERM) reached a running cell. */
export class InterruptedError extends RunbookError {
  constructor(signal: string) {
    super(`Interrupted by ${signal}`, "Re-run the same command to resume; finished items are kept.");
  }
}

/**
 * The one line of a multi-line message that a table has room for: its first
 * line, and when that line only introduces a list ("3 of 9 repositories
 * failed:"), the list's items after it, joined with "; ".
 */
export function headline(message: string): string {
  const [first = "", ...rest] = message.split("\n");
  if (!first.trimEnd().endsWith(":") || rest.length === 0) return first;
  const items = rest.map((line) => line.trim().replace(/^[-•]\s+/, "")).filter(Boolean);
  const more = items.length > HEADLINE_ITEMS ? [`… ${items.length - HEADLINE_ITEMS} more`] : [];
  return `${first.trimEnd()} ${[...items.slice(0, HEADLINE_ITEMS), ...more].join("; ")}`;
}

const HEADLINE_ITEMS = 3;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
