/**
 * 09-log — Append to the experiment log
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "09-log",
  title: "Append to the experiment log",
  version: 1,
  dependsOn: ["08-benchmark"],
  options: z.object({
    title: z.string().optional().describe("entry title (default log.title)"),
    hypothesis: z.string().optional().describe("what this experiment tests (default log.hypothesis)"),
  }),
  reads: (config: Config) => ({ log: config.log }),
  preconditions: [],
  outputs: z.object({ file: z.string() }),
  run: async () => {
    throw new NotImplementedError("09-log");
  },
  summarize: (out) => `appended to ${out.file}`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
