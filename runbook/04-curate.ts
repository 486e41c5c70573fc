/**
 * 04-curate — Curate the training set
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "04-curate",
  title: "Curate the training set",
  version: 1,
  dependsOn: ["03-label"],
  options: z.object({

  }),
  reads: (config: Config) => ({ curation: config.curation, types: config.conventional.types, maxSeqLength: config.training.maxSeqLength }),
  preconditions: [],
  outputs: z.object({ train: z.number(), validation: z.number() }),
  run: async () => {
    throw new NotImplementedError("04-curate");
  },
  summarize: (out) => `${out.train} train / ${out.validation} validation`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
