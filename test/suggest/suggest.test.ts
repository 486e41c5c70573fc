import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { structuredJsonSchema, trainingPrompt } from "../../lib/benchmark/generators/prompts.js";
import { stagedDiff } from "../../lib/suggest/staged.js";
import { USAGE_LOG_FILE } from "../../lib/suggest/usage-log.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.ts";
import { createRepo, lines } from "../helpers/git-fixture.js";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const RUN = join(REPO_ROOT, "runbook/run.ts");
const ANSWER = { type: "feat", scope: "parser", breaking: false, description: "add the tokenizer", body: null };

let ollama: FakeOllama;
beforeAll(async () => {
  ollama = await startFakeOllama({
    models: ["joco", "llama3.2:1b"],
    respond: (request) => (request.body.format ? { json: ANSWER } : "fix: free text answer"),
  });
});
afterAll(() => ollama.close());

/** A repository with one commit and a change staged on top of it. */
async function stagedRepo(): Promise<string> {
  const repo = await createRepo(join(await tempDir(), "repo"));
  await repo.commit({ message: "feat: start", files: { "src/parser.ts": lines(20, "parse") } });
  await writeFile(join(repo.dir, "src/parser.ts"), lines(20, "parse").replace("parse 7\n", "tokens 7\n"));
  await repo.git("add", "src/parser.ts");
  return repo.dir;
}

const suggest = async (args: string[], host = ollama.url) => runTsx(RUN, ["suggest", ...args], { cwd: await tempDir(), env: { OLLAMA_HOST: host } });
const usageLog = async (repo: string) => (await readFile(join(repo, ".git", USAGE_LOG_FILE), "utf8")).trim().split("\n").map((l) => JSON.parse(l));

describe("run.ts suggest", { timeout: 90_000 }, () => {
  it("asks joco with the raw training prompt and the schema, prints the rendered message alone, and logs it without the diff", async () => {
    const repo = await stagedRepo();
    const before = ollama.generationRequests().length;
    const result = await suggest(["--repo", repo, "--verbose"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("feat(parser): add the tokenizer\n");
    expect(result.stderr).toMatch(/joco \(structured, ollama\): \d+ ms; diff of 1 file\(s\), \d+ characters/);

    const requests = ollama.generationRequests().slice(before);
    expect(requests.map((r) => r.path)).toEqual(["/api/generate"]);
    const staged = await stagedDiff(repo, DEFAULT_CONFIG.extract.diffBudgetChars);
    expect(requests[0]!.body).toMatchObject({
      model: "joco",
      raw: true,
      prompt: trainingPrompt(staged!.diff),
      format: structuredJsonSchema(DEFAULT_CONFIG.conventional.types),
      options: { num_predict: DEFAULT_CONFIG.hook.numPredict, temperature: DEFAULT_CONFIG.ollama.temperature },
    });

    const [entry, ...more] = await usageLog(repo);
    expect(more).toEqual([]);
    expect(entry).toEqual({
      time: expect.any(String),
      diffHash: staged!.diffHash,
      model: "joco",
      mode: "structured",
      suggestion: "feat(parser): add the tokenizer",
      committed: null,
      latencyMs: expect.any(Number),
    });
  });

  it("asks another model through its chat template in free mode, and keeps the diff in the log when hook.logDiffs is set", async () => {
    const repo = await stagedRepo();
    const config = join(await tempDir(), "config.json");
    await writeFile(config, JSON.stringify({ hook: { logDiffs: true } }));
    const before = ollama.generationRequests().length;
    const result = await suggest(["--repo", repo, "--model", "llama3.2:1b", "--mode", "free", "--config", config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("fix: free text answer\n");
    const [request] = ollama.generationRequests().slice(before);
    expect(request!.path).toBe("/api/chat");
    expect(request!.body).not.toHaveProperty("format");
    const [entry] = await usageLog(repo);
    expect(entry).toMatchObject({ model: "llama3.2:1b", mode: "free", diff: (await stagedDiff(repo, DEFAULT_CONFIG.extract.diffBudgetChars))!.diff });
  });

  it("says so and exits non-zero when nothing is staged, without asking the model", async () => {
    const repo = await stagedRepo();
    await promisify(execFile)("git", ["-C", repo, "reset", "--quiet"]); // changed, but not staged
    const before = ollama.generationRequests().length;
    const result = await suggest(["--repo", repo]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/Nothing is staged in .*repo: `git add` the changes/);
    expect(ollama.generationRequests().length).toBe(before);
  });

  it("names what is missing: a GGUF for the llama-cpp backend, an unreachable Ollama, a folder that is not a repository", async () => {
    const repo = await stagedRepo();
    const llama = await suggest(["--repo", repo, "--backend", "llama-cpp"]);
    expect(llama.code).toBe(2);
    // No GGUF named and none configured: the model falls back to an Ollama name, which is no GGUF file.
    expect(llama.stderr).toContain("--backend llama-cpp takes a GGUF file; joco is not one");
    const stopped = await startFakeOllama();
    await stopped.close();
    const down = await suggest(["--repo", repo], stopped.url);
    expect(down.code).toBe(2);
    expect(down.stderr).toContain(`Ollama is not reachable at ${stopped.url} (fetch failed: ECONNREFUSED)`);
    expect(down.stderr).toContain("ollama serve");
    const nowhere = await suggest(["--repo", await tempDir()]);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain("is not inside a git worktree");
  });
});
