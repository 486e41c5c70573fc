/**
 * The loss history of a training run, for charts: the training loss every
 * `loggingSteps` and each evaluation loss. Found, in order of trust, in what
 * 05 recorded (its outputs in checkpoints.json), in outputs/train.log (the
 * trainer's event lines, kept across sessions, so a run cut short or resumed
 * still has its curve), or in the newest trainer_state.json that the Hugging
 * Face Trainer saved with a checkpoint. Every source is optional: none gives null.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { TRAINER_LOG_FILE, listCheckpoints } from "./launcher.js";
import { parseTrainerLine } from "./events.js";

export interface LossHistory {
  /** Where the points came from, for the reader: "05-train outputs", "outputs/train.log", "…/trainer_state.json". */
  source: string;
  loss: Array<{ step: number; loss: number | null }>;
  eval: Array<{ step: number; evalLoss: number | null }>;
}

// 05's outputs read leniently (an older checkpoints.json may lack the curves).
const RecordedSchema = z.looseObject({
  lossCurve: z.array(z.object({ step: z.number(), loss: z.number().nullable() })).optional(),
  evalCurve: z.array(z.object({ step: z.number(), evalLoss: z.number().nullable() })).optional(),
});
const TrainerStateSchema = z.looseObject({
  log_history: z.array(z.looseObject({ step: z.number().optional(), loss: z.number().optional(), eval_loss: z.number().optional() })),
});

const readText = (file: string) => readFile(file, "utf8").catch(() => null);
const parseJson = (text: string | null): unknown => {
  try {
    return text === null ? undefined : JSON.parse(text);
  } catch {
    return undefined; // a checkpoint torn by a crash: the next older one is tried
  }
};

/** The history of the last training run in train.log: a fresh start forgets earlier sessions, a resume keeps their steps up to its checkpoint. */
export function historyFromTrainLog(text: string): Omit<LossHistory, "source"> {
  let loss: LossHistory["loss"] = [];
  let evals: LossHistory["eval"] = [];
  for (const line of text.split("\n")) {
    const parsed = parseTrainerLine(line);
    if (parsed.kind !== "event") continue;
    const { event } = parsed;
    if (event.event === "start") {
      loss = loss.filter((p) => p.step <= event.resume_step);
      evals = evals.filter((p) => p.step <= event.resume_step);
    } else if (event.event === "step") loss.push({ step: event.step, loss: event.loss });
    else if (event.event === "eval") evals.push({ step: event.step, evalLoss: event.eval_loss });
    else if (event.event === "done") {
      loss = [...event.loss_curve];
      evals = event.eval_curve.map((p) => ({ step: p.step, evalLoss: p.eval_loss }));
    }
  }
  return { loss, eval: evals };
}

async function fromTrainerState(outputsDir: string): Promise<LossHistory | null> {
  for (const checkpoint of (await listCheckpoints(outputsDir)).reverse()) {
    const file = join(checkpoint.path, "trainer_state.json");
    const parsed = TrainerStateSchema.safeParse(parseJson(await readText(file)));
    if (!parsed.success) continue;
    const history = parsed.data.log_history;
    return {
      source: file,
      loss: history.flatMap((h) => (h.step !== undefined && h.loss !== undefined ? [{ step: h.step, loss: h.loss }] : [])),
      eval: history.flatMap((h) => (h.step !== undefined && h.eval_loss !== undefined ? [{ step: h.step, evalLoss: h.eval_loss }] : [])),
    };
  }
  return null;
}

/** `recorded`: 05-train's outputs as checkpoints.json holds them (or undefined); `outputsDir`: the trainer's folder. */
export async function readLossHistory(recorded: unknown, outputsDir: string): Promise<LossHistory | null> {
  const outputs = RecordedSchema.safeParse(recorded);
  if (outputs.success && outputs.data.lossCurve?.length) {
    return { source: "05-train outputs", loss: outputs.data.lossCurve, eval: outputs.data.evalCurve ?? [] };
  }
  const log = await readText(join(outputsDir, TRAINER_LOG_FILE));
  if (log !== null) {
    const history = historyFromTrainLog(log);
    if (history.loss.length > 0) return { source: join(outputsDir, TRAINER_LOG_FILE), ...history };
  }
  return fromTrainerState(outputsDir);
}
