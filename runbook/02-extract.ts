/**
 * 02-extract — Extract diffs and benchmark cases
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "02-extract",
  title: "Extract diffs and benchmark cases",
  version: 1,
  dependsOn: ["01-clone"],
  options: z.object({
    max: z.int().positive().optional().describe("commits per training repository (overrides extract.maxPerRepo)"),
  }),
  reads: (config: Config) => ({ repos: config.repos, source: config.benchmark.source, maxCases: config.benchmark.maxCases, extract: config.extract, types: config.conventional.types }),
  preconditions: [],
  outputs: z.object({ kept: z.number(), cases: z.number() }),
  run: async () => {
    throw new NotImplementedError("02-extract");
  },
  summarize: (out) => `${out.kept} diffs, ${out.cases} benchmark cases`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
