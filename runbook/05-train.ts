/**
 * 05-train — Fine-tune with LoRA
 */
import { z } from "zod";
import { defineCell } from "../lib/cell.js";
import { isMain } from "../lib/cli.js";
import { NotImplementedError } from "../lib/errors.js";
import { TRAINING_MODULES } from "../lib/doctor.js";
import { isSupportedPython, missingPythonModules, probePython, pythonInterpreter } from "../lib/python.js";
import type { Config } from "./00-config.js";
import { runCellScript } from "./run.js";

const cell = defineCell({
  id: "05-train",
  title: "Fine-tune with LoRA",
  version: 1,
  dependsOn: ["04-curate"],
  options: z.object({
    resume: z.boolean().default(true).describe("resume from the last trainer checkpoint in outputs/"),
  }),
  reads: (config: Config) => ({ training: config.training }),
  preconditions: [
    {
      name: "Python 3.10+ with the training packages",
      check: async () => {
        const info = await probePython();
        if (!info || !isSupportedPython(info)) return `${pythonInterpreter()} is not Python 3.10+`;
        const missing = await missingPythonModules(TRAINING_MODULES);
        return missing.length === 0 || `missing Python packages: ${missing.join(", ")}`;
      },
      hint: `Create a virtual environment and run \`pip install -r python/requirements.txt\`, then set JOCO_PYTHON to its python (see README).`,
    },
  ],
  outputs: z.object({ adapter: z.string(), steps: z.number() }),
  run: async () => {
    throw new NotImplementedError("05-train");
  },
  summarize: (out) => `${out.steps} steps → ${out.adapter}`,
});

export default cell;
if (isMain(import.meta.url)) await runCellScript(cell.id);
