/**
 * 06-export — Export GGUF
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "06-export",
  title: "Export GGUF",
  version: 1,
  dependsOn: ["05-train"],
  options: z.object({
    quantization: z.enum(["q4_k_m", "q5_k_m", "q8_0", "f16"]).optional().describe("overrides export.quantization"),
  }),
  reads: (config: Config) => ({ export: config.export, baseModel: config.training.baseModel }),
  preconditions: [],
  outputs: z.object({ file: z.string(), sizeBytes: z.number() }),
  run: async () => {
    throw new NotImplementedError("06-export");
  },
  summarize: (out) => `${out.file} (${(out.sizeBytes / 1e6).toFixed(0)} MB)`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
