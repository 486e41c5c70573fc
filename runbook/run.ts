/**
 * The runbook: every cell in order. `npm run runbook` runs what is pending or
 * stale, `status` shows the state table, `doctor` checks the machine,
 * `rehearse` runs it all on a tiny model in rehearsal/ first; `suggest` and
 * `hook` put the model to work on the user's own commits.
 */
import { isMain } from "../lib/core/cli.js";
import { printDoctor, runDoctorChecks } from "../lib/doctor.js";
import { type Runbook, runbookMain } from "../lib/core/runner.js";
import type { CommandFor } from "../lib/core/command.js";
import { createRehearseCommand } from "../lib/rehearse/command.js";
import { hookCommand, suggestCommand } from "../lib/suggest/commands.js";
import { type Config, ConfigSchema } from "./00-config.js";
import clone from "./01-clone.js";
import extract from "./02-extract.js";
import label from "./03-label.js";
import curate from "./04-curate.js";
import train from "./05-train.js";
import exportGguf from "./06-export.js";
import importOllama from "./07-import.js";
import benchmark from "./08-benchmark.js";
import log from "./09-log.js";

export const runbook: Runbook = {
  cells: [clone, extract, label, curate, train, exportGguf, importOllama, benchmark, log],
  configSchema: ConfigSchema,
  doctor: async (root, config) => printDoctor(await runDoctorChecks(root, config instanceof Error ? config : (config as Config).training)),
  // `satisfies` checks that the configuration has every key the commands read.
  commands: {
    suggest: suggestCommand,
    hook: hookCommand,
    rehearse: createRehearseCommand(() => ({ run: (argv) => runbookMain(runbook, argv) })),
  } satisfies Record<string, CommandFor<Config>>,
};

if (isMain(import.meta.url)) process.exitCode = await runbookMain(runbook, process.argv.slice(2));
