/**
 * Runs the trainer script as a child process and follows its event stream:
 * a progress bar with ETA and the live loss, every line of output kept in the
 * training log, Ctrl-C forwarded as SIGINT so the trainer saves a checkpoint
 * before it stops. Returns the `done` or `stopped` event; a failure throws with
 * the trainer's own hint.
 */
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { createInterface } from "node:readline";
import { CommandError, InterruptedError, RunbookError } from "../core/errors.js";
import { type TrainerEvent, type TrainerEventOf, parseTrainerLine } from "./events.js";
import { type ProgressBar, chalk, createProgressBar } from "../core/ui.js";

export interface TrainerProcessOptions {
  python: string;
  /** The script and its arguments. */
  args: string[];
  cwd: string;
  signal: AbortSignal;
  log: (line?: string) => void;
  /** Every line the trainer prints (and the protocol's own lines) is appended here. */
  logFile: string;
  /** Echo the trainer's stderr until training starts (model download progress, warnings). */
  echoLoading?: boolean;
}

export type TrainerOutcome =
  | { kind: "done"; start: TrainerEventOf<"start"> | undefined; done: TrainerEventOf<"done"> }
  | { kind: "stopped"; start: TrainerEventOf<"start"> | undefined; stopped: TrainerEventOf<"stopped"> };

const formatLoss = (value: number | null | undefined) => (value === null || value === undefined ? "–" : value.toFixed(4));

/** Turns events into what the user sees; keeps the last figures for the progress detail. */
function createTrainingView(log: (line?: string) => void) {
  let bar: ProgressBar | undefined;
  let closed = false;
  let offset = 0;
  let total = 0;
  const latest: { loss?: number | null; evalLoss?: number | null; step: number } = { step: 0 };
  const detail = () => `step ${latest.step}/${total} · loss ${formatLoss(latest.loss)} · eval ${formatLoss(latest.evalLoss)}`;
  return {
    async show(event: TrainerEvent): Promise<void> {
      switch (event.event) {
        case "note":
          log(chalk.gray(`  · ${event.message}`));
          return;
        case "start": {
          offset = event.resume_step;
          total = event.total_steps;
          latest.step = event.resume_step;
          const resumed = event.resumed_from ? `, resumed from ${event.resumed_from}` : "";
          log(`  ${event.backend} on ${event.device}: ${event.examples} examples (${event.validation} validation, ${event.truncated} truncated to fit, ${event.dropped} dropped)${resumed}`);
          log(chalk.gray(`  base ${event.base_model}; every example ends with ${JSON.stringify(event.eos_token)}`));
          const created = await createProgressBar(event.resumed_from ? `training (from step ${offset})` : "training", Math.max(total - offset, 1));
          if (closed) created.stop();
          else bar = created;
          return;
        }
        case "progress":
          latest.step = event.step;
          break;
        case "step":
          latest.step = event.step;
          latest.loss = event.loss;
          break;
        case "eval":
          latest.evalLoss = event.eval_loss;
          break;
        default:
          return;
      }
      bar?.update(Math.max(latest.step - offset, 0), detail());
    },
    stop() {
      closed = true;
      bar?.stop();
      bar = undefined;
    },
  };
}

export async function runTrainerProcess(options: TrainerProcessOptions): Promise<TrainerOutcome> {
  const { signal, log } = options;
  if (signal.aborted) throw new InterruptedError(String(signal.reason ?? "SIGINT"));
  await mkdir(dirname(options.logFile), { recursive: true });
  const logStream = createWriteStream(options.logFile, { flags: "a" });
  logStream.write(`\n=== ${new Date().toISOString()} ${options.python} ${options.args.join(" ")}\n`);
  const child = spawn(options.python, ["-u", ...options.args], {
    cwd: options.cwd,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((done) => {
    child.on("error", (error) => done({ code: null, signal: null, error }));
    child.on("close", (code, childSignal) => done({ code, signal: childSignal }));
  });

  const stderrTail: string[] = [];
  let training = false;
  child.stderr.on("data", (chunk: Buffer) => {
    logStream.write(chunk);
    stderrTail.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    stderrTail.splice(0, Math.max(0, stderrTail.length - 20));
    if (options.echoLoading && !training) process.stderr.write(chunk);
  });
  const view = createTrainingView(log);
  const forwardInterrupt = () => {
    view.stop(); // the bar would garble the lines that follow
    log(chalk.yellow("\n  Stopping: the trainer saves a checkpoint at the end of this step…"));
    child.kill("SIGINT");
  };
  signal.addEventListener("abort", forwardInterrupt, { once: true });
  const seen: { start?: TrainerEventOf<"start">; done?: TrainerEventOf<"done">; stopped?: TrainerEventOf<"stopped">; error?: TrainerEventOf<"error"> } = {};
  try {
    for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
      const parsed = parseTrainerLine(line);
      if (parsed.kind !== "event") {
        logStream.write(`${line}\n`);
        if (parsed.kind === "invalid") log(chalk.yellow(`  ! the trainer sent an event this launcher does not understand (${parsed.problem})`));
        continue;
      }
      const { event } = parsed;
      logStream.write(`${line}\n`);
      if (event.event === "start") training = true;
      if (event.event === "start" || event.event === "done" || event.event === "stopped" || event.event === "error") {
        Object.assign(seen, { [event.event]: event });
      }
      await view.show(event);
    }
  } finally {
    view.stop();
  }
  const exit = await exited;
  signal.removeEventListener("abort", forwardInterrupt);
  await new Promise((done) => logStream.end(done));

  if (seen.done && exit.code === 0) return { kind: "done", start: seen.start, done: seen.done };
  if (seen.stopped) return { kind: "stopped", start: seen.start, stopped: seen.stopped };
  if (seen.error) throw new RunbookError(`Training failed: ${seen.error.message}`, seen.error.hint);
  if (exit.error) {
    throw new RunbookError(`Cannot start ${options.python}: ${exit.error.message}`, "Set JOCO_PYTHON to a Python 3.10+ interpreter with the training packages.");
  }
  if (signal.aborted) throw new InterruptedError(String(signal.reason ?? "SIGINT"));
  const killed = exit.signal ? ` It was killed by ${exit.signal}: out of system memory? Lower training.maxSeqLength or batchSize.` : "";
  throw new CommandError(`${options.python} ${options.args[0] ?? ""}`, exit.code, stderrTail.join("\n"), `The trainer stopped without a result.${killed} Full log: ${options.logFile}`);
}
