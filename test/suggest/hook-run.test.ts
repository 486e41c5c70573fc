import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Generator } from "../../lib/benchmark/generators/types.js";
import { type PrepareRequest, prepareCommitMessage } from "../../lib/suggest/hook-run.js";
import { suggestSettingsOf } from "../../lib/suggest/settings.js";
import type { GeneratorFactory } from "../../lib/suggest/suggest.js";
import { readUsageLog, usageLogOf } from "../../lib/suggest/usage-log.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { createRepo } from "../helpers/git-fixture.js";
import { tempDir } from "../helpers/process.js";

/** Any generator of the benchmark's interface will do: this one answers at once, or when its signal fires. */
function scripted(answer: { output?: string; error?: string; hangs?: boolean }): { create: GeneratorFactory; calls: string[] } {
  const calls: string[] = [];
  const generator: Generator = {
    backend: "reference",
    model: "scripted",
    mode: "structured",
    promptVersion: "test",
    params: {},
    generate: (item, signal) => {
      calls.push(item.diff);
      if (answer.hangs) return new Promise((done) => signal.addEventListener("abort", () => done({ output: "", rawOutput: null, error: "aborted", latencyMs: null, outputTokens: null, tokensPerSecond: null })));
      return Promise.resolve({ output: answer.output ?? "", rawOutput: null, error: answer.error ?? null, latencyMs: 12.4, outputTokens: 3, tokensPerSecond: null });
    },
  };
  return { create: async () => generator, calls };
}

const GIT_BLOCK = "\n# Please enter the commit message for your changes.\n#\n";

async function prepared(source: string, answer: Parameters<typeof scripted>[0], fileText = GIT_BLOCK, timeoutMs = 60_000) {
  const repo = await createRepo(join(await tempDir(), "repo"));
  await repo.commit({ message: "feat: start", files: { "a.txt": "a\n" } });
  await writeFile(join(repo.dir, "a.txt"), "a\nb\n");
  await repo.git("add", "a.txt");
  await writeFile(join(repo.dir, ".git/COMMIT_EDITMSG"), fileText);
  const { create, calls } = scripted(answer);
  const request: PrepareRequest = { repo: repo.dir, messageFile: ".git/COMMIT_EDITMSG", source, settings: suggestSettingsOf(DEFAULT_CONFIG), timeoutMs, elapsedMs: 0, create };
  const did = await prepareCommitMessage(request);
  return { did, calls, message: await readFile(join(repo.dir, ".git/COMMIT_EDITMSG"), "utf8"), repo: repo.dir };
}

const notes: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  notes.length = 0;
});
const captureStderr = () => vi.spyOn(process.stderr, "write").mockImplementation((chunk) => Boolean(notes.push(String(chunk))));

describe("prepareCommitMessage", () => {
  it("puts the suggestion above git's block, or above a template, and logs it", async () => {
    const plain = await prepared("", { output: "feat: add b" });
    expect(plain.did).toBe("suggested");
    expect(plain.message).toBe(`feat: add b\n${GIT_BLOCK}`);
    expect(plain.calls[0]).toContain("diff --git a/a.txt b/a.txt");
    expect((await readUsageLog(await usageLogOf(plain.repo))).map((e) => [e.model, e.suggestion, e.latencyMs])).toEqual([["scripted", "feat: add b", 12]]);

    const template = await prepared("template", { output: "feat: add b" }, "Ticket: \n# template comment\n");
    expect(template.message).toBe("feat: add b\n\nTicket: \n# template comment\n");
  });

  it("leaves messages the user gave alone, without asking the model", async () => {
    for (const source of ["message", "merge", "squash", "commit"]) {
      const { did, calls, message } = await prepared(source, { output: "feat: add b" }, "mine\n");
      expect([did, calls.length, message]).toEqual(["skipped", 0, "mine\n"]);
    }
  });

  it("notes a failed or empty answer, or one past the budget, in one line, and leaves the message as git made it", async () => {
    const stderr = captureStderr();
    const failed = await prepared("", { error: "model 'joco' not found" });
    const empty = await prepared("", { output: "  \n" });
    const late = await prepared("", { hangs: true }, GIT_BLOCK, 300);
    stderr.mockRestore();
    expect([failed, empty, late].map((r) => [r.did, r.message])).toEqual(Array(3).fill(["no-suggestion", GIT_BLOCK]));
    expect(notes).toEqual([
      "joco: no suggestion (model 'joco' not found); the commit goes on, write its message yourself\n",
      "joco: no suggestion (the model answered with an empty message); the commit goes on, write its message yourself\n",
      "joco: no suggestion (nothing within 300 ms (hook.timeoutMs)); the commit goes on, write its message yourself\n",
    ]);
  });
});
