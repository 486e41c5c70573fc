import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOllama, startFakeOllama } from "./fakes/ollama.ts";
import { REPO_ROOT, runTsx, tempDir } from "./helpers/process.js";

const SECRET = "sk-ant-test-DO-NOT-PRINT-123456";
let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await startFakeOllama({ version: "0.13.5" });
});
afterAll(() => ollama.close());

const doctor = async (env: NodeJS.ProcessEnv) => runTsx(join(REPO_ROOT, "runbook/run.ts"), ["doctor"], { cwd: await tempDir(), env });
const rowOf = (stdout: string, name: string) => stdout.split("\n").find((line) => line.includes(name)) ?? "";

describe("run.ts doctor", () => {
  it("checks each requirement, says how to fix each ✗ and never prints the API key", async () => {
    const result = await doctor({ OLLAMA_HOST: ollama.url, ANTHROPIC_API_KEY: SECRET, JOCO_PYTHON: "python3" });
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    expect(rowOf(result.stdout, "git")).toMatch(/✓.*git version/);
    expect(rowOf(result.stdout, "Ollama")).toMatch(/✓.*0\.13\.5 at/);
    expect(rowOf(result.stdout, "ANTHROPIC_API_KEY")).toMatch(/✓.*set \(not shown\)/);
    expect(rowOf(result.stdout, "python ≥ 3.10")).toContain("✓");
    // This machine has no torch: the row names what is missing and the install command; doctor exits non-zero.
    expect(rowOf(result.stdout, "training packages")).toMatch(/✗.*missing: torch.*pip install -r python\/requirements\.txt/);
    expect(result.code).toBe(1);
  });

  it("reports an unreachable Ollama, a missing interpreter and an unset key with their fixes", async () => {
    const result = await doctor({ OLLAMA_HOST: "http://127.0.0.1:9", ANTHROPIC_API_KEY: "", JOCO_PYTHON: "/no/such/python" });
    expect(rowOf(result.stdout, "Ollama")).toMatch(/✗.*not reachable at http:\/\/127\.0\.0\.1:9.*ollama serve/);
    expect(rowOf(result.stdout, "python ≥ 3.10")).toMatch(/✗.*\/no\/such\/python not found.*JOCO_PYTHON/);
    expect(rowOf(result.stdout, "ANTHROPIC_API_KEY")).toMatch(/✗ \(optional\).*not set/);
    expect(result.code).toBe(1);
  });
});
