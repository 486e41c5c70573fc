/**
 * 07-import — Import into Ollama
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "07-import",
  title: "Import into Ollama",
  version: 1,
  dependsOn: ["06-export"],
  options: z.object({

  }),
  reads: (config: Config) => ({ ollama: config.ollama }),
  preconditions: [],
  outputs: z.object({ model: z.string() }),
  run: async () => {
    throw new NotImplementedError("07-import");
  },
  summarize: (out) => `ollama model ${out.model}`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
