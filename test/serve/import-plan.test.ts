// Cell 07 as a real process against the fake Ollama, plus the pieces it plans with.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CheckpointsSchema } from "../../lib/core/checkpoints.ts";
import type { ExportOutputs } from "../../lib/export/export.ts";
import { firstValidationExample, writeModelfile } from "../../lib/serve/import-plan.ts";
import { serveSpec } from "../../lib/serve/modelfile.ts";
import { TRAINING_INSTRUCTION, renderPrompt } from "../../lib/conventional/prompt.ts";
import type { Curated } from "../../lib/core/records.ts";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.ts";
import { tinyQwenGguf } from "../helpers/gguf.ts";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.ts";

const EXAMPLE: Curated = {
  instruction: TRAINING_INSTRUCTION,
  input: "diff --git a/src/app.ts b/src/app.ts\n@@ -1 +1 @@\n-const port = 80;\n+const port = 8080;",
  output: "fix(app): listen on port 8080",
  metadata: { id: "react:0001", repository: "react", commitHash: "0001", type: "fix", scope: "app" },
};
const CONFIG = { temperature: 0.7, topP: 0.9, numCtx: 4096, numPredict: 128, stop: ["### Instruction:", "### Input:"] };

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function project(example: Curated = EXAMPLE) {
  const dir = await tempDir();
  const gguf = tinyQwenGguf();
  await mkdir(join(dir, "joco-gguf"));
  await writeFile(join(dir, "joco-gguf/joco.Q4_K_M.gguf"), gguf);
  await mkdir(join(dir, "dataset"));
  await writeFile(join(dir, "dataset/validation.jsonl"), `${JSON.stringify(example)}\n`);
  const exported: ExportOutputs = {
    route: "llama.cpp",
    format: "gguf",
    artifact: "joco-gguf/joco.Q4_K_M.gguf",
    quantization: "q4_k_m",
    sizeBytes: gguf.length,
    architecture: "qwen2",
    tensorCount: 2,
    eosToken: "<|endoftext|>",
  };
  const checkpoints = { version: 1, cells: { "06-export": { status: "done", outputs: exported } } };
  await writeFile(join(dir, "checkpoints.json"), JSON.stringify(checkpoints));
  return dir;
}

const runImport = (dir: string, host: string, args: string[] = []) =>
  runTsx(join(REPO_ROOT, "runbook/07-import.ts"), args, { cwd: dir, env: { OLLAMA_HOST: host } });
const readCheckpoints = async (dir: string) => CheckpointsSchema.parse(JSON.parse(await readFile(join(dir, "checkpoints.json"), "utf8")));

describe("07-import", () => {
  it("writes the Modelfile, creates joco, checks the served template and smoke-tests one validation diff", async () => {
    fake = await startFakeOllama({ respond: () => "fix(app): listen on port 8080" });
    const dir = await project();
    const result = await runImport(dir, fake.url);
    expect(result.code, result.stdout + result.stderr).toBe(0);

    const modelfile = await readFile(join(dir, "Modelfile"), "utf8");
    expect(modelfile).toContain("FROM ./joco-gguf/joco.Q4_K_M.gguf\n");
    expect(modelfile).toContain(`TEMPLATE """${serveSpec(TRAINING_INSTRUCTION, CONFIG, "<|endoftext|>").template}"""`);
    expect(modelfile).toContain('PARAMETER stop "<|endoftext|>"');

    expect(result.stdout).toContain("created joco (joco is not in Ollama)");
    expect(result.stdout).toContain("the template Ollama holds renders the training prompt");
    expect(result.stdout).toContain('react:0001: "fix(app): listen on port 8080"');
    const generate = fake.generationRequests()[0]!.body as { raw: boolean; prompt: string };
    expect(generate).toMatchObject({ raw: true, prompt: renderPrompt(TRAINING_INSTRUCTION, EXAMPLE.input) });
    const record = (await readCheckpoints(dir)).cells["07-import"];
    expect(record?.outputs).toMatchObject({ model: "joco", created: true, smoke: { id: "react:0001", valid: true } });

    // Its record lost (a new checkout, a crash): the re-run finds joco as it is and does not re-create it.
    const checkpoints = await readCheckpoints(dir);
    delete checkpoints.cells["07-import"];
    await writeFile(join(dir, "checkpoints.json"), JSON.stringify(checkpoints));
    const creates = () => fake!.requests.filter((r) => r.path === "/api/create" || (r.method === "POST" && r.path.startsWith("/api/blobs"))).length;
    const before = creates();
    const again = await runImport(dir, fake.url);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("joco is up to date in Ollama");
    expect(creates()).toBe(before);
  });

  it("reports an invalid smoke output without failing, and fails early when Ollama is not reachable", async () => {
    fake = await startFakeOllama({ respond: () => "Here is the commit message: Fixed the port." });
    const dir = await project();
    const result = await runImport(dir, fake.url);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Conventional Commit\s*│ ✗ /);
    expect((await readCheckpoints(dir)).cells["07-import"]?.outputs).toMatchObject({ smoke: { valid: false } });

    const offline = await runImport(await project(), "http://127.0.0.1:9");
    expect(offline.code).not.toBe(0);
    expect(offline.stderr).toContain("no Ollama answers at http://127.0.0.1:9");
    expect(offline.stderr).toContain("ollama.required: false");
  });

  it("without Ollama and ollama.required false, writes the Modelfile, imports nothing and smoke-tests the GGUF with llama.cpp", async () => {
    const dir = await project();
    await writeFile(join(dir, "joco.config.json"), JSON.stringify({ ollama: { required: false } }));
    const unsmoked = await runImport(dir, "http://127.0.0.1:9", ["--no-smoke"]);
    expect(unsmoked.code, unsmoked.stdout + unsmoked.stderr).toBe(0);
    expect(unsmoked.stdout).toContain("No Ollama at http://127.0.0.1:9: joco is not imported");
    expect(await readFile(join(dir, "Modelfile"), "utf8")).toContain("FROM ./joco-gguf/joco.Q4_K_M.gguf\n");
    expect((await readCheckpoints(dir)).cells["07-import"]?.outputs).toEqual({ model: "joco", imported: false, created: false, modelfile: "Modelfile" });

    // The smoke test reaches the embedded llama.cpp, which refuses this two-tensor stand-in: a broken export stops 07.
    const smoked = await runImport(dir, "http://127.0.0.1:9", ["--force"]);
    expect(smoked.code).not.toBe(0);
    expect(smoked.stderr).toContain("llama.cpp could not load");
    expect(smoked.stderr).toContain("joco.Q4_K_M.gguf");
  });
});

describe("import planning", () => {
  it("refuses a validation set trained with another instruction, naming the file", async () => {
    const dir = await project({ ...EXAMPLE, instruction: "Summarize this diff." });
    const file = join(dir, "dataset/validation.jsonl");
    await expect(firstValidationExample(file)).rejects.toThrow(`${file}:1 was trained with another instruction`);
    expect(await firstValidationExample(join(dir, "missing.jsonl"))).toBeUndefined();
  });

  it("writes FROM relative to the Modelfile's folder", async () => {
    const dir = await tempDir();
    const text = await writeModelfile(join(dir, "serve/Modelfile"), join(dir, "joco-merged"), serveSpec(TRAINING_INSTRUCTION, CONFIG, undefined));
    expect(text).toContain("\nFROM ../joco-merged\n");
    expect(await readFile(join(dir, "serve/Modelfile"), "utf8")).toBe(text);
  });
});
