/** The --help pages of a cell file and of run.ts, generated from the cells' option schemas. */
import type { AnyCell } from "./cell.js";
import { RUNBOOK_FLAGS, cellNamespace, formatOptionsHelp } from "./cli.js";
import { chalk } from "./ui.js";

const runbookFlagLines = () => RUNBOOK_FLAGS.map((f) => `  ${f.flag.padEnd(28)} ${f.description}`);

export function cellHelp(cell: AnyCell): string {
  const options = formatOptionsHelp(cell.options);
  const subcommands = Object.values(cell.subcommands ?? {}).map((s) => `  ${s.usage.padEnd(28)} ${s.description}`);
  return [
    `${chalk.bold(cell.id)} — ${cell.title}`,
    "",
    `Usage: npx tsx runbook/${cell.id}.ts [options]`,
    ...(subcommands.length ? ["", "Commands:", ...subcommands] : []),
    "",
    `Needs: ${[...cell.dependsOn.map((d) => `${d.id} done`), ...cell.preconditions.map((p) => p.name)].join("; ") || "nothing"}`,
    ...(options.length ? ["", "Options:", ...options] : []),
    "",
    "Runbook options:",
    ...runbookFlagLines(),
  ].join("\n");
}

export function runbookHelp(cells: AnyCell[], commands: { usage: string; description: string }[] = []): string {
  const cellOptions = cells.flatMap((cell) => formatOptionsHelp(cell.options, `${cellNamespace(cell.id)}.`));
  return [
    chalk.bold("joco-finetune runbook"),
    "",
    "Usage: npm run runbook -- [command] [options]   (or npx tsx runbook/run.ts …)",
    "",
    "Commands:",
    "  (none)                       run every pending, stale, failed or interrupted cell in order; stop at the first failure",
    "  status                       the state of every cell: done, stale (and why), failed (and the fix), …",
    "  doctor                       check git, Python and its packages, GPU, Ollama, the API key, disk",
    ...commands.map((c) => `  ${c.usage.padEnd(28)} ${c.description}`),
    "",
    "Cells:",
    ...cells.map((c) => `  ${c.id.padEnd(28)} ${c.title}`),
    "",
    "Options:",
    ...runbookFlagLines(),
    ...(cellOptions.length
      ? ["", "Cell options, each behind its cell's name (a boolean also as --no-<cell>.<option>):", ...cellOptions]
      : []),
    "",
    "Each cell also runs on its own: npx tsx runbook/NN-name.ts --help",
  ].join("\n");
}
