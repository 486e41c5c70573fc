/**
 * The runbook: every cell in order. `npm run runbook` runs what is pending or
 * stale, `status` shows the state table, `doctor` checks the machine.
 */
import { isMain } from "../lib/core/cli.js";
import { printDoctor, runDoctorChecks } from "../lib/doctor.js";
import { type Runbook, runCellMain, runbookMain } from "../lib/core/runner.js";
import { ConfigSchema } from "./00-config.js";
import clone from "./01-clone.js";
import extract from "./02-extract.js";
import label from "./03-label.js";
import curate from "./04-curate.js";
import train from "./05-train.js";
import exportGguf from "./06-export.js";
import importOllama from "./07-import.js";
import benchmark from "./08-benchmark.js";
import log from "./09-log.js";

// A function, not a constant: a cell file run on its own imports this module
// before its own definition exists (an import cycle), and calls it afterwards.
export function runbook(): Runbook {
  return {
    cells: [clone, extract, label, curate, train, exportGguf, importOllama, benchmark, log],
    configSchema: ConfigSchema,
    doctor: async (root) => printDoctor(await runDoctorChecks(root)),
  };
}

/** The tail of every runbook/NN-*.ts: run that cell when the file is the script. */
export async function runCellScript(cellId: string): Promise<void> {
  process.exitCode = await runCellMain(runbook(), cellId, process.argv.slice(2));
}

if (isMain(import.meta.url)) process.exitCode = await runbookMain(runbook(), process.argv.slice(2));
