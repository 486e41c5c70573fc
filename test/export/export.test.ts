// Cell 06 as a real process. No torch here, so the interpreter is a stand-in that
// answers the preflight and speaks export.py's event protocol; the real export.py's
// events are checked against the launcher's schema separately.
import { spawnSync } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CheckpointsSchema } from "../../lib/core/checkpoints.ts";
import { ExportEventSchema, ExportOutputsSchema } from "../../lib/export/export.ts";
import { TRAINING_INSTRUCTION } from "../../lib/conventional/prompt.ts";
import { buildGguf, tinyQwenGguf } from "../helpers/gguf.ts";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.ts";

const STANDIN = String.raw`#!/usr/bin/env python3
import json, os, shutil, sys
if sys.argv[1] == "-c":  # the preflight: version probe and find_spec
    if "find_spec" in sys.argv[2]:
        print(json.dumps([n for n in json.loads(sys.argv[3]) if n in os.environ.get("STANDIN_MISSING", "").split(",")]))
    else:
        exec(sys.argv[2])
    sys.exit(0)
config = json.load(open(sys.argv[2]))
say = lambda **e: print(json.dumps(e), flush=True)
say(event="start", routes=["llama.cpp", "ollama"], skipped={"unsloth": "unsloth is not installed"}, quantization=config["quantization"])
print("INFO:hf-to-gguf:Loading model", file=sys.stderr)
if os.environ["STANDIN_MODE"] == "error":
    say(event="error", message="every export route failed: llama.cpp: No space left on device", hint="Free disk space.")
    sys.exit(1)
if os.environ["STANDIN_MODE"] == "crash":
    raise RuntimeError("segfault in the converter")
os.makedirs(config["outputDir"], exist_ok=True)
dest = os.path.join(config["outputDir"], "joco.Q4_K_M.gguf")
shutil.copy(os.environ["STANDIN_GGUF"], dest)
say(event="step", stage="llama-quantize", message="quantizing to Q4_K_M")
say(event="done", route="llama.cpp", format="gguf", path=dest, quantization=config["quantization"], eos_token="<|endoftext|>", chat_template=True, merged=os.environ.get("STANDIN_MERGED"))
`;

async function project(mode: string, gguf = tinyQwenGguf(), more: { backend?: string; env?: Record<string, string> } = {}) {
  const dir = await tempDir();
  await mkdir(join(dir, "joco-lora"));
  await writeFile(join(dir, "joco-lora/adapter_config.json"), "{}");
  if (more.backend) await writeFile(join(dir, "joco-lora/joco-training.json"), JSON.stringify({ backend: more.backend }));
  await writeFile(join(dir, "checkpoints.json"), JSON.stringify({ version: 1, cells: { "05-train": { status: "done", outputs: {} } } }));
  await writeFile(join(dir, "standin.gguf"), gguf);
  await writeFile(join(dir, "python"), STANDIN);
  await chmod(join(dir, "python"), 0o755);
  const env = { JOCO_PYTHON: join(dir, "python"), STANDIN_MODE: mode, STANDIN_GGUF: join(dir, "standin.gguf"), ...more.env };
  const run = (args: string[] = []) => runTsx(join(REPO_ROOT, "runbook/06-export.ts"), args, { cwd: dir, env });
  const record = async () => CheckpointsSchema.parse(JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8"))).cells["06-export"];
  return { dir, run, record };
}

describe("06-export", () => {
  it("runs export.py, checks the GGUF in TypeScript and reports its size against the target and the known sizes", async () => {
    const { dir, run, record } = await project("ok");
    const result = await run();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("skip unsloth: unsloth is not installed");
    expect(result.stdout).toContain("exported through llama.cpp");
    expect(result.stdout).toMatch(/architecture\s*│ qwen2/);
    expect(result.stdout).toMatch(/quantization\s*│ Q4_K_M/);
    expect(result.stdout).toMatch(/tensors\s*│ 2 \(Q4_K ×1, F32 ×1\)/);
    expect(result.stdout).toMatch(/Qwen2\.5-Coder-1\.5B q4_k_m\s*│ 986 MB\s*│ \+64%/);
    expect(result.stdout).toMatch(/Qwen2\.5-Coder-0\.5B q8_0\s*│ 531 MB\s*│ -11%/);
    expect(result.stdout).toContain("chat_template │ NOT the training frame"); // the stand-in GGUF carries another template

    const outputs = ExportOutputsSchema.parse((await record())?.outputs);
    expect(outputs).toMatchObject({ route: "llama.cpp", format: "gguf", artifact: "joco-gguf/joco.Q4_K_M.gguf", architecture: "qwen2", tensorCount: 2 });
    expect(outputs.eosToken).toBe("<|endoftext|>"); // read from the GGUF's own vocabulary
    const config = JSON.parse(await readFile(join(dir, "joco-gguf/export-config.json"), "utf8"));
    expect(config).toMatchObject({ quantization: "q4_k_m", route: "auto", instruction: TRAINING_INSTRUCTION, adapter: join(dir, "joco-lora") });
  });

  it("fails with export.py's message and hint, or with the end of stderr when it crashes", async () => {
    const failing = await project("error");
    const result = await failing.run();
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("No space left on device");
    expect(await failing.record()).toMatchObject({ status: "failed", hint: "Free disk space." });

    const crashing = await project("crash");
    const crash = await crashing.run();
    expect(crash.stderr).toMatch(/failed with exit code 1:[\s\S]*RuntimeError: segfault in the converter/);
  });

  it("says and records that an mlx adapter was fused, and wants mlx-lm for it", async () => {
    const fused = await project("ok", tinyQwenGguf(), { backend: "mlx", env: { STANDIN_MERGED: "mlx fuse (de-quantized)" } });
    const result = await fused.run();
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("exported through llama.cpp: joco-gguf/joco.Q4_K_M.gguf (16-bit model: mlx fuse (de-quantized))");
    expect(ExportOutputsSchema.parse((await fused.record())?.outputs).merged).toBe("mlx fuse (de-quantized)");

    const lacking = await project("ok", tinyQwenGguf(), { backend: "mlx", env: { STANDIN_MISSING: "mlx_lm" } });
    const refused = await lacking.run();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("the mlx backend trained joco-lora, and this Python lacks mlx_lm");
    expect((await lacking.record())?.hint).toContain("npm run setup:python -- --with-mlx");
    // Any other adapter is merged with peft: mlx-lm is not asked for.
    const peft = await project("ok", tinyQwenGguf(), { backend: "hf", env: { STANDIN_MISSING: "mlx_lm" } });
    expect((await peft.run()).code).toBe(0);
  });

  it("refuses a GGUF that is not in the quantization asked for", async () => {
    const q8 = buildGguf({ metadata: { "general.architecture": { type: "string", value: "qwen2" }, "general.file_type": { type: "u32", value: 7 } }, tensors: [{ name: "t", dims: [32], type: 8, bytes: 34 }] });
    const { run, record } = await project("ok", q8);
    const result = await run();
    expect(result.stderr).toMatch(/joco\.Q4_K_M\.gguf is not the model that was asked for: its file type is Q8_0, not Q4_K_M/);
    expect((await record())?.status).toBe("failed");
  });
});

describe("python/export.py's events", () => {
  const pythonEvents = (code: string) => {
    const result = spawnSync("python3", ["-c", code], { cwd: join(REPO_ROOT, "python"), encoding: "utf8" });
    return result.stdout.trim().split("\n").map((line) => JSON.parse(line) as unknown);
  };
  // The config goes into the test's own temp folder (removed after the file), not into the system's.
  const write = (file: string, route: string, quantization: string) =>
    `import json; p = ${JSON.stringify(file)}; json.dump({k: "/nonexistent" for k in export.REQUIRED_KEYS} | {"route": "${route}", "quantization": "${quantization}"}, open(p, "w"))`;

  it("match the launcher's schema: start, step, error, and done", async () => {
    const file = join(await tempDir(), "export-config.json");
    const failed = pythonEvents(`import export\n${write(file, "ollama", "q4_k_m")}\nexport.main([p])`);
    const done = pythonEvents(
      `import export\n${write(file, "ollama", "q4_k_m")}\nexport.RUNNERS["ollama"] = lambda c, l, k: {"format": "safetensors", "path": "/m", "eos_token": "<|im_end|>", "ollama_quantize": "q4_K_M"}\nexport.main([p])`,
    );
    const events = [...failed, ...done].map((e) => ExportEventSchema.parse(e).event);
    expect(events).toEqual(["start", "step", "error", "start", "done"]);
  });
});
