import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { estimateDiskGb, estimateTrainingMemoryGb, requiredModules } from "../../lib/train/preflight.js";
import { fakeTrainerEnv, makeTrainProject, runTrainCell, trainRecord, trainerArgv } from "../helpers/train-project.js";

/** These tests describe this machine and CI: a python3 without the training stack. */
const hasTrainingStack =
  execFileSync("python3", ["-c", "import importlib.util as u; print(any(u.find_spec(m) for m in ('torch', 'unsloth')))"]).toString().trim() === "True";

describe.skipIf(hasTrainingStack)("05-train preflight, as a real process", () => {
  it("without torch (this machine) fails before starting, naming the missing packages and the install command", async () => {
    const root = await makeTrainProject();
    const { PYTHONPATH: _, ...withoutFakes } = fakeTrainerEnv(root);
    const result = await runTrainCell(root, [], { ...withoutFakes, PYTHONPATH: "" });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("preconditions not met: training packages (missing Python packages for python3: torch, transformers, peft, accelerate)");
    expect(result.stderr).toContain("→ Run `npm run setup:python`");
    expect(result.stderr + result.stdout).not.toMatch(/\n\s+at |Traceback/);
    expect(await trainerArgv(root)).toEqual([]);
    expect((await trainRecord(root))?.status).toBe("failed");
  });

  it("says how to get a GPU, or to pass --allow-cpu, when torch sees neither CUDA nor MPS", async () => {
    const root = await makeTrainProject();
    const env = fakeTrainerEnv(root, { FAKE_TORCH_DEVICE: "none" });
    const blocked = await runTrainCell(root, [], env);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain("a GPU (CUDA or Apple MPS) (torch 2.8.0+fake sees no CUDA GPU and no Apple MPS)");
    expect(blocked.stderr).toContain("pass --allow-cpu");
    expect(await trainerArgv(root)).toEqual([]);
    expect((await runTrainCell(root, ["--allow-cpu"], env)).code).toBe(0);
  });

  it("names the free and the needed memory, and lists every problem at once", async () => {
    const root = await makeTrainProject({ backend: "unsloth", maxSeqLength: 4096 });
    const result = await runTrainCell(root, [], fakeTrainerEnv(root, { FAKE_GPU_FREE_GB: "1" }));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/1\.0 GB free on the GPU Fake GPU; training unsloth\/Qwen2\.5-Coder-1\.5B-bnb-4bit at maxSeqLength 4096, batch 1 needs about 5\.1 GB/);
    expect(result.stderr).toContain("missing Python packages for python3: unsloth, trl, datasets, bitsandbytes");
    expect(result.stderr).toContain("Lower training.maxSeqLength");
  });
});

describe("preflight estimates", () => {
  it("scales memory with the model, the precision and the sequence length", () => {
    const base = { baseModel: "unsloth/Qwen2.5-Coder-1.5B-bnb-4bit", maxSeqLength: 2048, batchSize: 1 };
    expect(estimateTrainingMemoryGb({ ...base, bytesPerWeight: 0.7 })).toBe(3.6);
    expect(estimateTrainingMemoryGb({ ...base, bytesPerWeight: 4 })).toBe(8.5);
    expect(estimateTrainingMemoryGb({ ...base, baseModel: "Qwen/Qwen3-0.6B", bytesPerWeight: 2 })).toBe(3.7);
    expect(estimateTrainingMemoryGb({ ...base, maxSeqLength: 4096, batchSize: 2, bytesPerWeight: 0.7 })).toBe(8.1);
    expect(estimateDiskGb({ baseModel: "Qwen2.5-Coder-1.5B", saveTotalLimit: 3 })).toBe(5);
  });

  it("asks for the Unsloth stack only when that backend is chosen", () => {
    expect(requiredModules("auto")).toEqual(["torch", "transformers", "peft", "accelerate"]);
    expect(requiredModules("unsloth")).toContain("bitsandbytes");
  });
});
