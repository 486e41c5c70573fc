import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { historyFromTrainLog, readLossHistory } from "../../lib/train/history.js";
import { tempDir } from "../helpers/process.js";

// Lines as the launcher writes outputs/train.log: a session header, trainer output, and the event lines of python/train.py.
const start = (resumeStep: number) =>
  JSON.stringify({ event: "start", backend: "hf", device: "cpu", base_model: "tiny", eos_token: "<|endoftext|>", examples: 9, validation: 1, truncated: 0, dropped: 0, total_steps: 60, resume_step: resumeStep, resumed_from: resumeStep ? `outputs/checkpoint-${resumeStep}` : null });
const step = (n: number, loss: number | null) => JSON.stringify({ event: "step", step: n, total: 60, loss, lr: 0.0002, epoch: n / 20 });
const evaluation = (n: number, loss: number) => JSON.stringify({ event: "eval", step: n, eval_loss: loss });
const session = (...lines: string[]) => [`=== 2026-01-05T10:00:00.000Z python3 python/train.py --config outputs/joco-train.json`, "Loading weights…", ...lines].join("\n");

describe("the loss history of a training run", () => {
  it("follows train.log across a fresh start and a resume: steps after the resumed checkpoint are the new session's", () => {
    const log = [
      session(start(0), step(10, 9.9), step(20, 9.8)), // a first attempt, then started over (config changed)
      session(start(0), step(10, 3.0), step(20, 2.5), evaluation(20, 2.7), step(30, 2.2)), // cut short after step 30
      session(start(20), step(30, 2.1), step(40, 1.8), evaluation(40, 2.0), "{not an event"), // resumed from checkpoint-20
    ].join("\n");
    expect(historyFromTrainLog(log)).toEqual({
      loss: [{ step: 10, loss: 3.0 }, { step: 20, loss: 2.5 }, { step: 30, loss: 2.1 }, { step: 40, loss: 1.8 }],
      eval: [{ step: 20, evalLoss: 2.7 }, { step: 40, evalLoss: 2.0 }],
    });
  });

  it("takes the curves of the done event as they are, a diverged loss (null) included", () => {
    const done = JSON.stringify({
      event: "done", adapter: "joco-lora", steps: 20, runtime: 5, train_loss: null, eval_loss: 1.1,
      loss_curve: [{ step: 10, loss: 2 }, { step: 20, loss: null }], eval_curve: [{ step: 20, eval_loss: 1.1 }],
    });
    expect(historyFromTrainLog(session(start(0), step(10, 2), done))).toEqual({ loss: [{ step: 10, loss: 2 }, { step: 20, loss: null }], eval: [{ step: 20, evalLoss: 1.1 }] });
  });

  it("prefers what 05 recorded, then train.log, then the newest readable trainer_state.json, else nothing", async () => {
    const outputs = join(await tempDir(), "outputs");
    expect(await readLossHistory(undefined, outputs)).toBeNull();

    await mkdir(join(outputs, "checkpoint-20"), { recursive: true });
    await mkdir(join(outputs, "checkpoint-40"), { recursive: true });
    await writeFile(join(outputs, "checkpoint-20/trainer_state.json"), JSON.stringify({ log_history: [{ step: 10, loss: 2.0 }, { step: 20, eval_loss: 1.9 }] }));
    await writeFile(join(outputs, "checkpoint-40/trainer_state.json"), '{"log_history": [{"step": 10'); // torn by a crash
    expect(await readLossHistory({ adapter: "joco-lora" }, outputs)).toEqual({
      source: join(outputs, "checkpoint-20/trainer_state.json"),
      loss: [{ step: 10, loss: 2.0 }],
      eval: [{ step: 20, evalLoss: 1.9 }],
    });

    await writeFile(join(outputs, "train.log"), session(start(0), step(10, 1.5)));
    expect(await readLossHistory(undefined, outputs)).toEqual({ source: join(outputs, "train.log"), loss: [{ step: 10, loss: 1.5 }], eval: [] });

    const recorded = { steps: 20, lossCurve: [{ step: 10, loss: 1.2 }], evalCurve: [{ step: 10, evalLoss: 1.3 }] };
    expect(await readLossHistory(recorded, outputs)).toEqual({ source: "05-train outputs", loss: recorded.lossCurve, eval: recorded.evalCurve });
  });
});
