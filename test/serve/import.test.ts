import { createHash } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { serveSpec } from "../../lib/serve/modelfile.ts";
import { modelFiles, ollamaBaseUrl, sha256File, uploadBlob } from "../../lib/serve/blobs.ts";
import { type ImportPlan, createRequest, importModel, parseShowParameters } from "../../lib/serve/import.ts";
import { checkServedTemplate, generateRaw } from "../../lib/serve/smoke.ts";
import { createOllamaClient } from "../../lib/serve/ollama.ts";
import { TRAINING_INSTRUCTION, renderPrompt } from "../../lib/conventional/prompt.ts";
import { type FakeOllama, sha256Digest, startFakeOllama } from "../fakes/ollama.ts";
import { tinyQwenGguf, writeGguf } from "../helpers/gguf.ts";
import { tempDir } from "../helpers/process.ts";

const CONFIG = { temperature: 0.7, topP: 0.9, numCtx: 4096, numPredict: 128, stop: ["### Instruction:", "### Input:"] };
const SPEC = serveSpec(TRAINING_INSTRUCTION, CONFIG, "<|endoftext|>");

let fake: FakeOllama | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function ggufPlan(): Promise<{ plan: ImportPlan; bytes: Buffer; dir: string }> {
  const dir = await tempDir();
  const bytes = tinyQwenGguf();
  const path = await writeGguf(join(dir, "joco.Q4_K_M.gguf"), bytes);
  const [file] = await modelFiles(path);
  return { plan: { model: "joco", format: "gguf", spec: SPEC, files: [{ ...file!, digest: await sha256File(path) }] }, bytes, dir };
}

const calls = (f: FakeOllama, method: string, path: RegExp) => f.requests.filter((r) => r.method === method && path.test(r.path));

describe("blob upload", () => {
  it("computes the sha256 digest Ollama expects and streams the file to HEAD/POST /api/blobs/<digest>", async () => {
    fake = await startFakeOllama();
    const { plan, bytes } = await ggufPlan();
    const file = plan.files[0]!;
    expect(file.digest).toBe(`sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    expect(file.digest).toBe(sha256Digest(bytes));

    let sent = 0;
    expect(await uploadBlob(fake.url, file, { onBytes: (n) => (sent += n) })).toBe("uploaded");
    expect(sent).toBe(bytes.length);
    expect(fake.blobs.get(file.digest)?.equals(bytes)).toBe(true); // the fake re-hashes the body and answers 400 on a mismatch
    const post = calls(fake, "POST", /^\/api\/blobs\//)[0]!;
    expect(post.path).toBe(`/api/blobs/${file.digest}`);
    expect(post.headers["transfer-encoding"]).toBe("chunked"); // streamed, not buffered with a length
    expect(calls(fake, "HEAD", /^\/api\/blobs\//)).toHaveLength(1);

    expect(await uploadBlob(fake.url, file)).toBe("present");
    expect(calls(fake, "POST", /^\/api\/blobs\//)).toHaveLength(1);
  });

  it("reports a digest the server rejects, naming the file and the status", async () => {
    fake = await startFakeOllama();
    const { plan } = await ggufPlan();
    const wrong = { ...plan.files[0]!, digest: sha256Digest("something else") };
    await expect(uploadBlob(fake.url, wrong)).rejects.toThrow(/Uploading joco\.Q4_K_M\.gguf to 127\.0\.0\.1:\d+ failed with HTTP 400: .*digest mismatch/);
  });

  it("resolves OLLAMA_HOST the way the ollama client does", () => {
    expect(ollamaBaseUrl("127.0.0.1:11500")).toBe("http://127.0.0.1:11500");
    expect(ollamaBaseUrl(":9000")).toBe("http://127.0.0.1:9000");
    expect(ollamaBaseUrl("gpu-box")).toBe("http://gpu-box:11434");
    expect(ollamaBaseUrl("https://ollama.example.com/")).toBe("https://ollama.example.com");
  });
});

describe("importModel through the API", () => {
  it("uploads the GGUF, then create gets the files, the template and the parameters; a re-run skips", async () => {
    fake = await startFakeOllama();
    const client = await createOllamaClient(fake.url);
    const { plan } = await ggufPlan();
    const statuses: string[] = [];
    const first = await importModel(client, fake.url, plan, { createWith: "api", modelfile: "", hooks: { onStatus: (s) => statuses.push(s) } });
    expect(first).toMatchObject({ created: true, reasons: ["joco is not in Ollama"] });
    expect(statuses.at(-1)).toBe("success");

    const create = calls(fake, "POST", /^\/api\/create$/);
    expect(create).toHaveLength(1);
    expect(create[0]!.body).toEqual({
      model: "joco",
      files: { "joco.Q4_K_M.gguf": plan.files[0]!.digest },
      template: SPEC.template,
      parameters: { temperature: 0.7, top_p: 0.9, num_ctx: 4096, num_predict: 128, stop: ["### Instruction:", "### Input:", "<|endoftext|>"] },
      stream: true,
    });
    expect(create[0]!.body).not.toHaveProperty("quantize"); // Ollama does not re-quantize a GGUF

    const before = fake.requests.length;
    const second = await importModel(client, fake.url, plan, { createWith: "api", modelfile: "", previous: first.record });
    expect(second).toMatchObject({ created: false, reasons: [] });
    expect(fake.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/show"]);
  });

  it("re-creates when the template, the parameters or the weights changed, saying which", async () => {
    fake = await startFakeOllama();
    const client = await createOllamaClient(fake.url);
    const { plan } = await ggufPlan();
    await importModel(client, fake.url, plan, { createWith: "api", modelfile: "" });
    const changed: ImportPlan = { ...plan, spec: serveSpec("Other instruction.", { ...CONFIG, temperature: 0 }, "<|endoftext|>") };
    const again = await importModel(client, fake.url, changed, { createWith: "api", modelfile: "" });
    expect(again).toMatchObject({ created: true, reasons: ["different template", "different parameters"] });
    const otherWeights: ImportPlan = { ...changed, files: [{ ...plan.files[0]!, digest: sha256Digest("other") }] };
    fake.addBlob("other");
    expect((await importModel(client, fake.url, otherWeights, { createWith: "api", modelfile: "" })).reasons).toEqual(["different weights"]);
  });

  it("imports a merged safetensors folder: every file uploaded, quantized on create, skipped on re-run by the recorded digests", async () => {
    fake = await startFakeOllama();
    const client = await createOllamaClient(fake.url);
    const dir = join(await tempDir(), "joco-merged");
    await mkdir(dir);
    for (const [name, text] of Object.entries({ "model.safetensors": "weights", "config.json": "{}", "tokenizer.json": "{\"model\": {}}", "README.md": "no" })) {
      await writeFile(join(dir, name), text);
    }
    const files = await Promise.all((await modelFiles(dir)).map(async (f) => ({ ...f, digest: await sha256File(f.path) })));
    expect(files.map((f) => f.name)).toEqual(["config.json", "model.safetensors", "tokenizer.json"]);
    const plan: ImportPlan = { model: "joco", format: "safetensors", spec: SPEC, files, quantize: "q4_K_M" };

    const first = await importModel(client, fake.url, plan, { createWith: "api", modelfile: "" });
    expect(calls(fake, "POST", /^\/api\/blobs\//)).toHaveLength(3);
    expect(calls(fake, "POST", /^\/api\/create$/)[0]!.body).toMatchObject({
      files: Object.fromEntries(files.map((f) => [f.name, f.digest])),
      quantize: "q4_K_M",
    });
    expect(fake.models.get("joco:latest")?.details?.quantization_level).toBe("Q4_K_M");
    expect((await importModel(client, fake.url, plan, { createWith: "api", modelfile: "", previous: first.record })).created).toBe(false);
    expect((await importModel(client, fake.url, plan, { createWith: "api", modelfile: "" })).reasons).toEqual(["different weights"]);
  });

  it("creates through the ollama CLI with the Modelfile and -q when configured", async () => {
    fake = await startFakeOllama();
    const client = await createOllamaClient(fake.url);
    const bin = await tempDir();
    const log = join(bin, "args.txt");
    await writeFile(join(bin, "ollama"), `#!/bin/sh\nprintf '%s\\n' "$@" > "${log}"\n`);
    await chmod(join(bin, "ollama"), 0o755);
    const { plan } = await ggufPlan();
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const outcome = await importModel(client, fake.url, { ...plan, quantize: "q4_K_M" }, { createWith: "cli", modelfile: "/p/Modelfile" });
      expect(outcome.created).toBe(true);
    } finally {
      process.env.PATH = path;
    }
    expect((await readFile(log, "utf8")).trim().split("\n")).toEqual(["create", "joco", "-f", "/p/Modelfile", "-q", "q4_K_M"]);
    expect(calls(fake, "POST", /^\/api\/(create|blobs)/)).toHaveLength(0);
  });

  it("parses /api/show parameters back into values", () => {
    expect(parseShowParameters('stop                           "### Input:"\nstop "<|im_end|>"\ntemperature 0.7\nnum_ctx 4096')).toEqual({
      stop: ["### Input:", "<|im_end|>"],
      temperature: [0.7],
      num_ctx: [4096],
    });
    expect(createRequest({ model: "m", format: "gguf", spec: { ...SPEC, system: "S" }, files: [] })).toMatchObject({ system: "S", files: {} });
  });
});

describe("smoke test", () => {
  it("verifies that the template Ollama holds renders the training prompt, and generates raw with the exact prompt", async () => {
    fake = await startFakeOllama({ respond: () => "fix(render): keep template markers literal" });
    const client = await createOllamaClient(fake.url);
    const { plan } = await ggufPlan();
    await importModel(client, fake.url, plan, { createWith: "api", modelfile: "" });
    const input = "diff --git a/x b/x\n+{{ .Prompt }}";

    expect(await checkServedTemplate(client, "joco", TRAINING_INSTRUCTION, input)).toMatchObject({ ok: true });
    const out = await generateRaw(client, "joco", renderPrompt(TRAINING_INSTRUCTION, input), 64);
    expect(out.output).toBe("fix(render): keep template markers literal");
    expect(fake.generationRequests()[0]!.body).toMatchObject({ model: "joco", raw: true, prompt: renderPrompt(TRAINING_INSTRUCTION, input), options: { num_predict: 64 } });
  });

  it("catches a model served with ChatML (the GGUF's own template) or a drifted frame", async () => {
    const chatml = "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";
    fake = await startFakeOllama({ models: [{ name: "chatml", template: chatml }, { name: "drift", template: "### Instruction:\n{{ .Prompt }}\n### Response:\n" }] });
    const client = await createOllamaClient(fake.url);
    expect((await checkServedTemplate(client, "chatml", TRAINING_INSTRUCTION, "d")).detail).toMatch(/not the training frame/);
    expect((await checkServedTemplate(client, "drift", TRAINING_INSTRUCTION, "d")).detail).toMatch(/differs from the training prompt at character 17/);
  });
});
