import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { projectVenvPython } from "../../lib/core/python.js";
import { TrainOutputsSchema, buildTrainerConfig, listCheckpoints, planResume } from "../../lib/train/launcher.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { REPO_ROOT, tempDir, waitForOutput } from "../helpers/process.js";
import {
  fakeTrainerEnv, makeTrainProject, runTrainCell, startTrainCell, trainRecord, trainerArgv, writeTrainingConfig,
} from "../helpers/train-project.js";

const exec = promisify(execFile);

describe("05-train with a stand-in trainer process", () => {
  it("shows progress with the live loss and records adapter, losses and the loss curve", async () => {
    const root = await makeTrainProject();
    const result = await runTrainCell(root, [], fakeTrainerEnv(root));
    expect(result.stderr).not.toContain("✗");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Starting a new training run.");
    expect(result.stdout).toContain("fake on cpu (fake): 8 examples (2 validation, 1 truncated to fit, 0 dropped)");
    expect(result.stdout).toContain('every example ends with "<|endoftext|>"');
    expect(result.stdout).toMatch(/training 5\/6 ETA \S+ step 5\/6 · loss 0\.5000 · eval 1\.0000\n/);
    expect(result.stdout).toMatch(/training 6\/6 step 6\/6 · loss/);
    expect(result.stdout).toContain("· fake trainer: no model is loaded");

    const record = await trainRecord(root);
    expect(record?.status).toBe("done");
    const outputs = TrainOutputsSchema.parse(record?.outputs);
    expect(outputs).toMatchObject({ adapter: "joco-lora", steps: 6, backend: "fake", resumedFrom: null, examples: 8 });
    expect(outputs.trainLoss).toBeCloseTo(2 / 6);
    expect(outputs.evalLoss).toBeCloseTo(0.5);
    expect(outputs.lossCurve.map((p) => p.step)).toEqual([2, 4, 6]);
    expect(outputs.evalCurve.map((p) => p.step)).toEqual([3, 6]);
    expect(record?.summary).toMatch(/^6 steps on cpu \(fake\), loss 0\.333 \/ eval 0\.500 in .* → joco-lora$/);

    expect(await trainerArgv(root)).toEqual([["--config", "outputs/joco-train.json"]]);
    const log = await readFile(join(root, "outputs/train.log"), "utf8");
    expect(log).toContain("library chatter on stderr");
    expect(log).toContain('"event": "done"');
  });

  it("fails with the trainer's hint when it reports an error (out of memory)", async () => {
    const root = await makeTrainProject();
    const result = await runTrainCell(root, [], fakeTrainerEnv(root, { FAKE_TRAINER: "oom" }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Training failed: OutOfMemoryError: CUDA out of memory");
    expect(result.stderr).toMatch(/→ Out of memory: lower training\.maxSeqLength or training\.batchSize \(now 2048 and 1\)/);
    const record = await trainRecord(root);
    expect(record?.status).toBe("failed");
    expect(record?.hint).toContain("training.maxSeqLength");
  });

  it("names the exit code, the last stderr lines and the log when the trainer dies without an error event", async () => {
    const root = await makeTrainProject();
    const result = await runTrainCell(root, [], fakeTrainerEnv(root, { FAKE_TRAINER: "crash" }));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed with exit code 3:[\s\S]*RuntimeError: the fake trainer crashed/);
    expect(result.stderr).toContain(join(root, "outputs/train.log"));
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("keeps stray stdout out of the progress and warns about a line that breaks the protocol", async () => {
    const root = await makeTrainProject();
    const result = await runTrainCell(root, [], fakeTrainerEnv(root, { FAKE_TRAINER: "garbage" }));
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("a stray print on stdout");
    expect(result.stdout).toMatch(/the trainer sent an event this launcher does not understand \(.*total/);
    expect(await readFile(join(root, "outputs/train.log"), "utf8")).toContain("a stray print on stdout");
  });

  it("on Ctrl-C forwards SIGINT, lets the trainer save a checkpoint, ends interrupted, and resumes from it on re-run", async () => {
    const root = await makeTrainProject({ maxSteps: 40, saveSteps: 100 });
    const run = startTrainCell(root, [], fakeTrainerEnv(root, { FAKE_STEP_SECONDS: "0.1" }));
    await waitForOutput(run.output, "training 1/40");
    run.child.kill("SIGINT");
    const interrupted = await run.result;
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain("Stopping: the trainer saves a checkpoint");
    const stoppedAt = /Stopped at step (\d+); outputs\/checkpoint-\d+ saved/.exec(interrupted.stdout);
    expect(stoppedAt, interrupted.stdout).not.toBeNull();
    const step = Number(stoppedAt?.[1]);
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(40);
    expect((await trainRecord(root))?.status).toBe("interrupted");
    expect((await listCheckpoints(join(root, "outputs"))).map((c) => [c.step, c.complete])).toEqual([[step, true]]);

    const resumed = await runTrainCell(root, [], fakeTrainerEnv(root));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`Resuming from outputs/checkpoint-${step} (step ${step})`);
    expect(resumed.stdout).toContain(`training (from step ${step})`);
    const argv = await trainerArgv(root);
    expect(argv).toHaveLength(2);
    expect(argv[0]).not.toContain("--resume-from");
    expect(argv[1]).toEqual(["--config", "outputs/joco-train.json", "--resume-from", `outputs/checkpoint-${step}`]);
    const outputs = TrainOutputsSchema.parse((await trainRecord(root))?.outputs);
    expect(outputs.resumedFrom).toBe(`outputs/checkpoint-${step}`);
    expect(outputs.steps).toBe(40);
    expect(outputs.lossCurve).toHaveLength(20); // every logging step, from before and after the interruption
  });

  it("starts over, removing old checkpoints, when the training config changed", async () => {
    const root = await makeTrainProject({ maxSteps: 4 });
    expect((await runTrainCell(root, [], fakeTrainerEnv(root))).code).toBe(0);
    expect((await listCheckpoints(join(root, "outputs"))).map((c) => c.step)).toEqual([2, 4]);
    await writeTrainingConfig(root, { maxSteps: 4, learningRate: 1e-4 });
    const rerun = await runTrainCell(root, [], fakeTrainerEnv(root));
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain("Starting over (the training config or dataset changed since they were saved): removing 2 old checkpoint(s)");
    expect((await trainerArgv(root))[1]).not.toContain("--resume-from");
  });
});

describe("05-train with the real python/train.py on the tiny Qwen2, on the CPU", () => {
  const python = projectVenvPython();
  it.skipIf(!existsSync(python))("saves a real Trainer checkpoint on Ctrl-C and resumes from it, the global step going on", async () => {
    const tiny = join(await tempDir("joco-tiny-"), "model");
    await exec(python, [join(REPO_ROOT, "python/tiny_model.py"), tiny], { env: { ...process.env, HF_HUB_OFFLINE: "1" } });
    const root = await makeTrainProject({
      baseModel: tiny, backend: "hf", loadIn4bit: false, maxSeqLength: 128, allowCpu: true, gradientCheckpointing: false,
      lora: { dropout: 0, modulesToSave: ["embed_tokens", "lm_head"] },
      batchSize: 2, gradientAccumulationSteps: 1, warmupSteps: 0, learningRate: 6e-3, maxSteps: 24, loggingSteps: 1, saveSteps: 100, evalSteps: 8,
    });
    const env = { JOCO_PYTHON: python, OMP_NUM_THREADS: "1", HF_HUB_OFFLINE: "1" };
    const run = startTrainCell(root, [], env);
    await waitForOutput(run.output, "training 3/24", 240_000);
    run.child.kill("SIGINT");
    const interrupted = await run.result;
    expect(interrupted.code, interrupted.stdout + interrupted.stderr).toBe(130);
    const step = Number(/saving a checkpoint at step (\d+)/.exec(interrupted.stdout)?.[1]);
    expect(step).toBeGreaterThan(0);
    expect(existsSync(join(root, `outputs/checkpoint-${step}/trainer_state.json`))).toBe(true);

    const resumed = await runTrainCell(root, [], env);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resumed from outputs/checkpoint-${step}`);
    const outputs = TrainOutputsSchema.parse((await trainRecord(root))?.outputs);
    expect(outputs).toMatchObject({ backend: "hf", steps: 24 });
    expect(outputs.lossCurve.map((p) => p.step)).toEqual(Array.from({ length: 24 }, (_, k) => k + 1));
    expect(outputs.lossCurve.at(-1)!.loss!).toBeLessThan(outputs.lossCurve[0]!.loss!);
    const adapter = JSON.parse(await readFile(join(root, "joco-lora/adapter_config.json"), "utf8"));
    expect(adapter).toMatchObject({ r: 16, modules_to_save: expect.arrayContaining(["embed_tokens", "lm_head"]) });
  }, 600_000);
});

describe("planResume", () => {
  const checkpoint = async (outputs: string, step: number, complete = true) => {
    await mkdir(join(outputs, `checkpoint-${step}`), { recursive: true });
    if (complete) await writeFile(join(outputs, `checkpoint-${step}`, "trainer_state.json"), "{}");
  };

  it("resumes the last complete checkpoint of the same run, and restarts otherwise", async () => {
    const root = await tempDir();
    const outputs = join(root, "outputs");
    const config = await buildTrainerConfig(DEFAULT_CONFIG, root);
    expect(await planResume(outputs, config, { resume: true, force: false })).toEqual({ action: "fresh" });
    await checkpoint(outputs, 50);
    await checkpoint(outputs, 100);
    await checkpoint(outputs, 150, false);
    await writeFile(join(outputs, "joco-train.json"), JSON.stringify(config));
    const plan = await planResume(outputs, config, { resume: true, force: false });
    expect(plan).toMatchObject({ action: "resume", from: { step: 100, complete: true } });
    expect(await planResume(outputs, config, { resume: true, force: true })).toMatchObject({ action: "restart", reason: "force" });
    expect(await planResume(outputs, config, { resume: false, force: false })).toMatchObject({ action: "restart", reason: "no-resume" });
    const changed = { ...config, datasetSha256: "another dataset" };
    const restart = await planResume(outputs, changed, { resume: true, force: false });
    expect(restart).toMatchObject({ action: "restart", reason: "changed" });
    expect(restart.action === "restart" && restart.discard.map((c) => c.step)).toEqual([50, 100, 150]);
  });
});
