import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { statfs, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOllama, startFakeOllama } from "./fakes/ollama.ts";
import { REPO_ROOT, runTsx, tempDir } from "./helpers/process.js";

const SECRET = "sk-ant-test-DO-NOT-PRINT-123456";
const TRAINING_PACKAGES = ["torch", "transformers", "peft", "accelerate"];
let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await startFakeOllama({ version: "0.13.5" });
});
afterAll(() => ollama.close());

/** Which training packages python3 lacks, found without the code under test: the row must say the same on any machine. */
function missingHere(): string[] {
  const probe = "import importlib.util, sys; print(' '.join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))";
  return execFileSync("python3", ["-c", probe, ...TRAINING_PACKAGES], { encoding: "utf8" }).trim().split(" ").filter(Boolean);
}

function importable(python: string, module: string): boolean {
  return execFileSync(python, ["-c", `import importlib.util; print(importlib.util.find_spec("${module}") is not None)`], { encoding: "utf8" }).trim() === "True";
}

// A wide terminal, so that each check is one row on one line.
const doctor = async (env: NodeJS.ProcessEnv, config?: unknown) => {
  const cwd = await tempDir();
  if (config) await writeFile(join(cwd, "joco.config.json"), JSON.stringify(config));
  return runTsx(join(REPO_ROOT, "runbook/run.ts"), ["doctor"], { cwd, env: { COLUMNS: "400", ...env } });
};
const rowOf = (stdout: string, name: string) => stdout.split("\n").find((line) => line.includes(name)) ?? "";

describe("run.ts doctor", () => {
  it("checks each requirement, says how to fix each ✗ and never prints the API key", async () => {
    const result = await doctor({ OLLAMA_HOST: ollama.url, ANTHROPIC_API_KEY: SECRET, JOCO_PYTHON: "python3" });
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    expect(rowOf(result.stdout, "git")).toMatch(/✓.*git version/);
    expect(rowOf(result.stdout, "Ollama")).toMatch(/✓.*0\.13\.5 at/);
    expect(rowOf(result.stdout, "ANTHROPIC_API_KEY")).toMatch(/✓.*set \(not shown\)/);
    expect(rowOf(result.stdout, "python ≥ 3.10")).toContain("✓");
    // Holds with and without the training stack (CI has a .venv with torch; a laptop may not).
    const missing = missingHere();
    const packages = rowOf(result.stdout, "training packages");
    if (missing.length) expect(packages).toMatch(new RegExp(`✗.*missing: ${missing.join(", ")}.*npm run setup:python`));
    else expect(packages).toMatch(new RegExp(`✓.*${TRAINING_PACKAGES.join(", ")}`));
    const { bavail, bsize } = await statfs(REPO_ROOT);
    const enoughDisk = (bavail * bsize) / 1024 ** 3 >= 15;
    expect(result.code).toBe(missing.length === 0 && enoughDisk ? 0 : 1);
  });

  it("reports an unreachable Ollama, a missing interpreter and an unset key with their fixes", async () => {
    const result = await doctor({ OLLAMA_HOST: "http://127.0.0.1:9", ANTHROPIC_API_KEY: "", JOCO_PYTHON: "/no/such/python" });
    expect(rowOf(result.stdout, "Ollama")).toMatch(/✗.*not reachable at http:\/\/127\.0\.0\.1:9.*ollama serve/);
    expect(rowOf(result.stdout, "python ≥ 3.10")).toMatch(/✗.*\/no\/such\/python not found.*JOCO_PYTHON/);
    expect(rowOf(result.stdout, "ANTHROPIC_API_KEY")).toMatch(/✗ \(optional\).*not set/);
    expect(result.code).toBe(1);
  });

  it("says which training backend a plain run takes and why, and for mlx whether it fits the memory, with the estimate", async () => {
    const plain = await doctor({ OLLAMA_HOST: ollama.url, JOCO_PYTHON: "python3" });
    if (process.platform === "linux" && !existsSync("/dev/nvidiactl")) {
      expect(rowOf(plain.stdout, "training backend")).toMatch(/✓.*hf \(auto: no CUDA GPU and not Apple silicon: transformers \+ peft\)/);
      expect(rowOf(plain.stdout, "mlx memory")).toBe("");
    }

    const python = join(REPO_ROOT, ".venv/bin/python");
    const mlx = await doctor({ OLLAMA_HOST: ollama.url, JOCO_PYTHON: python }, { training: { backend: "mlx", maxSeqLength: 1024 } });
    expect(rowOf(mlx.stdout, "training backend")).toMatch(
      importable(python, "mlx_lm") ? /✓.*mlx \(training\.backend is "mlx"/ : /✗.*mlx-lm is not installed.*npm run setup:python -- --with-mlx/,
    );
    expect(rowOf(mlx.stdout, "mlx memory")).toMatch(/GB (unified )?memory: about [\d.]+ GB \(±30 %\).*\(estimate [\d.]+ GB = weights [\d.]+ \+ activations [\d.]+/);

    const broken = await doctor({ OLLAMA_HOST: ollama.url, JOCO_PYTHON: "python3" }, { training: { backend: "gpu" } });
    expect(rowOf(broken.stdout, "configuration")).toMatch(/✗.*joco\.config\.json.*training\.backend/);
    expect(rowOf(broken.stdout, "git")).toContain("✓");
  });
});
