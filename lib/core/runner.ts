import { dirname, resolve } from "node:path";
import { z } from "zod";
import type { AnyCell } from "./cell.js";
import { type AnyCommand, runCommand } from "./command.js";
import { readCheckpoints } from "./checkpoints.js";
import { type RunbookFlags, parseCellArgv, parseRunbookArgv } from "./cli.js";
import { loadConfig } from "./config.js";
import { RunbookError, UsageError, errorMessage } from "./errors.js";
import { type CellOutcome, executeCell } from "./executor.js";
import { cellHelp, runbookHelp } from "./help.js";
import { removeLeftoverTempFiles } from "./leftovers.js";
import { acquireLock } from "./lock.js";
import { watchParent } from "./parent-watch.js";
import { type PlannedCell, computeStatus, planRun } from "./pipeline.js";
import { chalk, formatError } from "./ui.js";
import { printPlan, printStatus } from "./status-view.js";

export interface Runbook {
  cells: AnyCell[];
  configSchema: z.ZodType;
  /** `run.ts doctor`, given the configuration or the error that kept it from loading; returns the exit code. */
  doctor?: (root: string, config: unknown) => Promise<number>;
  /** Further commands of run.ts, by name (`suggest`, `hook`). */
  commands?: Record<string, AnyCommand>;
}

const log = (line = "") => console.log(line);

/** Every entry point funnels errors through here: message and hint, never a stack trace for expected failures. */
async function guarded(main: () => Promise<number>): Promise<number> {
  // `status | head` closes the pipe early; that is not an error worth a stack trace.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  try {
    return await main();
  } catch (error) {
    if (error instanceof RunbookError) {
      console.error(formatError(error.message, error.hint));
      return 2;
    }
    console.error(formatError(errorMessage(error)));
    if (process.env.JOCO_DEBUG) console.error((error as Error).stack);
    return 1;
  }
}

function cellIdOf(runbook: Runbook, given: string): string {
  const match = runbook.cells.find((c) => c.id === given || c.id.startsWith(`${given.padStart(2, "0")}-`));
  if (!match) throw new UsageError(`No cell "${given}"`, `Cells: ${runbook.cells.map((c) => c.id).join(", ")}`);
  return match.id;
}

/** The cell and every cell upstream of it, in id order: the runbook of a cell file run on its own. */
export function cellsUpTo(cell: AnyCell): AnyCell[] {
  const found = new Map<string, AnyCell>();
  const visit = (c: AnyCell) => {
    if (found.has(c.id)) return;
    found.set(c.id, c);
    c.dependsOn.forEach(visit);
  };
  visit(cell);
  return [...found.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/** The tail of every runbook/NN-*.ts: run that cell (its upstream known through `dependsOn`) when the file is the script. */
export async function runCellScript(cell: AnyCell, configSchema: z.ZodType): Promise<void> {
  process.exitCode = await runCellMain({ cells: cellsUpTo(cell), configSchema }, cell.id, process.argv.slice(2));
}

/** `npx tsx runbook/NN-name.ts [options]`: this cell, or `--from MM` … this cell. */
export function runCellMain(runbook: Runbook, cellId: string, argv: string[]): Promise<number> {
  return guarded(async () => {
    const cell = runbook.cells.find((c) => c.id === cellId);
    if (!cell) throw new UsageError(`No cell ${cellId}`);
    const [first, ...rest] = argv;
    // A subcommand may also be written as a flag: `08-benchmark.ts --usage DIR` is `usage DIR`.
    const subcommand = first && cell.subcommands?.[first.replace(/^--/, "")];
    if (subcommand) {
      const { flags, args } = parseCellArgv(cell.options, rest);
      const { config } = await loadConfig(runbook.configSchema, { root: process.cwd(), file: flags.config });
      await subcommand.run({ config, root: process.cwd(), args, log });
      return 0;
    }
    const { flags, options, args } = parseCellArgv(cell.options, argv);
    if (flags.help) {
      log(cellHelp(cell));
      return 0;
    }
    const selection = flags.only
      ? { only: flags.only.map((id) => cellIdOf(runbook, id)) }
      : flags.from
        ? { from: cellIdOf(runbook, flags.from), to: cellId }
        : { only: [cellId] };
    return runSelection(runbook, flags, selection, (c) => (c.id === cellId ? options : c.options.parse({})), args);
  });
}

/** `npm run runbook [status|doctor] [flags]`. */
export function runbookMain(runbook: Runbook, argv: string[]): Promise<number> {
  return guarded(async () => {
    const subcommand = argv[0] && !argv[0].startsWith("-") ? argv[0] : undefined;
    const command = subcommand ? runbook.commands?.[subcommand] : undefined;
    if (command) return runCommand(command, runbook.configSchema, argv.slice(1), log);
    const { flags, optionsByCell } = parseRunbookArgv(runbook.cells, subcommand ? argv.slice(1) : argv);
    const optionsOf = (cell: AnyCell) => optionsByCell.get(cell.id) ?? cell.options.parse({});
    if (flags.help) {
      log(runbookHelp(runbook.cells, Object.values(runbook.commands ?? {})));
      return 0;
    }
    const root = process.cwd();
    if (subcommand === "status") {
      const { config } = await loadConfig(runbook.configSchema, { root, file: flags.config });
      printStatus(computeStatus(runbook.cells, config, await readCheckpoints(root), optionsOf, root));
      return 0;
    }
    if (subcommand === "doctor") {
      if (!runbook.doctor) throw new UsageError("This runbook has no doctor.");
      const loaded = await loadConfig(runbook.configSchema, { root, file: flags.config }).then(
        ({ config }) => config,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      return runbook.doctor(root, loaded);
    }
    const commands = ["status", "doctor", ...Object.keys(runbook.commands ?? {})].join(", ");
    if (subcommand) throw new UsageError(`Unknown command "${subcommand}"`, `Commands: ${commands} (or none to run).`);
    const selection = {
      only: flags.only?.map((id) => cellIdOf(runbook, id)),
      from: flags.from ? cellIdOf(runbook, flags.from) : undefined,
    };
    return runSelection(runbook, flags, selection, optionsOf, []);
  });
}

/** How long a runbook whose parent died may take to stop after its current item (a trainer saving a checkpoint). */
const ORPHAN_GRACE_MS = 30_000;

/** 00-config takes only the runbook flags. */
const NO_OPTIONS = z.object({});

async function runSelection(
  runbook: Runbook,
  flags: RunbookFlags,
  selection: { only?: string[]; from?: string; to?: string },
  optionsOf: (cell: AnyCell) => unknown,
  args: string[],
): Promise<number> {
  const root = process.cwd();
  const { config } = await loadConfig(runbook.configSchema, { root, file: flags.config });
  const plan = planRun(computeStatus(runbook.cells, config, await readCheckpoints(root), optionsOf, root), { ...selection, force: flags.force });
  if (flags.dryRun) {
    printPlan(plan);
    return 0;
  }
  const lock = await acquireLock(root, process.argv.slice(1).join(" "));
  if (lock.tookOverFrom) log(chalk.gray(`(took over a lock left by pid ${lock.tookOverFrom}, which no longer runs)`));
  const outputDirs = Object.values((await readCheckpoints(root)).cells).flatMap((record) => (record.outs ?? []).map((out) => dirname(resolve(root, out.path))));
  const removed = await removeLeftoverTempFiles(root, outputDirs);
  if (removed.length) log(chalk.gray(`(removed ${removed.length} temp file(s) left by killed runs: ${removed.slice(0, 3).join(", ")}${removed.length > 3 ? ", …" : ""})`));
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      console.error(chalk.red(`\n${signal} again: stopping now.`));
      process.exit(130);
    }
    console.error(chalk.yellow(`\n${signal}: finishing the current item, then stopping (again to stop at once).`));
    controller.abort(signal);
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal).on("SIGHUP", onSignal);
  // Under the tsx CLI, a kill -9 of it must not leave this process running on alone: stop as on Ctrl-C, and for good soon after.
  const stopWatching = watchParent((parent) => {
    console.error(chalk.yellow(`\nThe runbook's parent process (pid ${parent}) is gone.`));
    onSignal("SIGHUP");
    setTimeout(() => process.exit(129), ORPHAN_GRACE_MS).unref();
  });
  try {
    return await runPlanned(plan, { cells: runbook.cells, root, config, args, force: flags.force, signal: controller.signal, optionsOf });
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal).off("SIGHUP", onSignal);
    stopWatching();
    await lock.release();
  }
}

async function runPlanned(
  plan: PlannedCell[],
  env: { cells: AnyCell[]; root: string; config: unknown; args: string[]; force: boolean; signal: AbortSignal; optionsOf: (cell: AnyCell) => unknown },
): Promise<number> {
  let ran = 0;
  for (const { row, action } of plan) {
    const { cell } = row;
    if (action === "skip") {
      log(chalk.gray(`${cell.id} ${cell.title}: done, skipped (--force to run it again)`));
      continue;
    }
    // Planned because an upstream cell was not done: once that one has re-run and written the same outputs, this one is done again.
    if (ran > 0 && !env.force && (await freshState(cell, env)) === "done") {
      log(chalk.gray(`${cell.id} ${cell.title}: done, skipped (its upstream re-made the same outputs)`));
      continue;
    }
    log(chalk.bold(`\n▶ ${cell.id} ${cell.title}`));
    const { outcome, record } = await executeCell(cell, { ...env, options: env.optionsOf(cell), log });
    ran += 1;
    if (outcome !== "done") {
      console.error(formatError(`${cell.id} ${outcome}: ${record.error ?? ""}`, record.hint));
      log(chalk.gray(`Resume with \`npm run runbook\` (or \`npx tsx runbook/${cell.id}.ts\`) once fixed.`));
      return exitCodeOf(outcome);
    }
    log(chalk.green(`✓ ${cell.id} done`) + chalk.gray(` — ${record.summary ?? ""}`));
  }
  if (ran === 0) log("Nothing to run: every selected cell is done.");
  return 0;
}

async function freshState(cell: AnyCell, env: { cells: AnyCell[]; root: string; config: unknown; optionsOf: (cell: AnyCell) => unknown }) {
  const rows = computeStatus(env.cells, env.config, await readCheckpoints(env.root), env.optionsOf, env.root);
  return rows.find((row) => row.cell.id === cell.id)?.state;
}

const exitCodeOf = (outcome: CellOutcome) => (outcome === "interrupted" ? 130 : 1);

/** `npx tsx runbook/00-config.ts [--config FILE]`: validates and prints the resolved parameters. */
export function printResolvedConfig(schema: z.ZodType, argv: string[]): Promise<number> {
  return guarded(async () => {
    const { flags } = parseCellArgv(NO_OPTIONS, argv);
    if (flags.help) {
      log("Usage: npx tsx runbook/00-config.ts [--config FILE]\nPrints the resolved configuration (defaults + joco.config.json or --config).");
      return 0;
    }
    const { config, file } = await loadConfig(schema, { root: process.cwd(), file: flags.config });
    log(chalk.gray(file ? `defaults + ${file}` : "defaults (no joco.config.json)"));
    log(JSON.stringify(config, null, 2));
    return 0;
  });
}
