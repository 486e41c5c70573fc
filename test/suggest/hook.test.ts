import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trainingPrompt } from "../../lib/benchmark/generators/prompts.js";
import { installHooks } from "../../lib/suggest/hook-install.js";
import { stagedDiff } from "../../lib/suggest/staged.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { type FakeOllama, startFakeOllama } from "../fakes/ollama.ts";
import { type Editors, gitWith, hookCli, writeConfig, writeEditors } from "../helpers/hook-repo.js";
import { createRepo, lines } from "../helpers/git-fixture.js";
import { tempDir } from "../helpers/process.js";

const SUGGESTION = { type: "feat", scope: "parser", breaking: false, description: "add the tokenizer", body: null };
const MESSAGE = "feat(parser): add the tokenizer";

let ollama: FakeOllama;
let editors: Editors;
let config: string;
beforeAll(async () => {
  ollama = await startFakeOllama({ models: ["joco"], respond: () => ({ json: SUGGESTION }) });
  editors = await writeEditors();
  // Generous: these tests are about what the hook writes; the budget has a test of its own.
  config = await writeConfig({ timeoutMs: 60_000 });
});
afterAll(() => ollama.close());

async function repoWithHistory() {
  const repo = await createRepo(join(await tempDir(), "repo"));
  await repo.commit({ message: "feat: start", files: { "src/parser.ts": lines(20, "parse"), "README.md": "# app\n" } });
  return repo;
}
const headMessage = async (dir: string) => (await gitWith(dir, ["log", "-1", "--format=%B"])).stdout.trimEnd();
const commitEnv = (editor: string, host = ollama.url) => ({ OLLAMA_HOST: host, GIT_EDITOR: editor });

// Every commit starts node (tsx) once or twice; on a busy machine that is seconds each.
describe("the prepare-commit-msg hook in a real repository", { timeout: 120_000 }, () => {
  it("fills a plain `git commit` (even with -a) with the suggestion above git's comment block; leaves -m, amends and merges alone", async () => {
    const repo = await repoWithHistory();
    const installed = await hookCli("install", repo.dir, config);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain("prepare-commit-msg: installed in");

    await writeFile(join(repo.dir, "src/parser.ts"), lines(20, "parse").replace("parse 3\n", "tokens 3\n"));
    await repo.git("add", "src/parser.ts");
    await writeFile(join(repo.dir, "README.md"), "# app\n\nParses.\n"); // not staged: `commit -a` takes it in a temporary index
    await repo.git("add", "README.md");
    const expected = (await stagedDiff(repo.dir, DEFAULT_CONFIG.extract.diffBudgetChars))!;
    await repo.git("reset", "--quiet", "README.md");

    const before = ollama.generationRequests().length;
    const commit = await gitWith(repo.dir, ["commit", "-a"], commitEnv(editors.keep));
    expect(commit.code, commit.stderr).toBe(0);
    expect(await headMessage(repo.dir)).toBe(MESSAGE);
    const seen = await readFile(join(repo.dir, ".git/COMMIT_EDITMSG.seen"), "utf8");
    expect(seen).toMatch(new RegExp(`^${MESSAGE.replace(/[()]/g, "\\$&")}\\n\\n# Please enter the commit message`));
    const [request] = ollama.generationRequests().slice(before);
    expect(request!.body).toMatchObject({ model: "joco", raw: true, prompt: trainingPrompt(expected.diff) });

    await writeFile(join(repo.dir, "README.md"), "# app\n\nParses fast.\n");
    expect((await gitWith(repo.dir, ["commit", "-a", "-m", "x"], commitEnv(editors.keep))).code).toBe(0);
    expect(await headMessage(repo.dir)).toBe("x");
    expect((await gitWith(repo.dir, ["commit", "--amend", "--no-edit", "--allow-empty"], commitEnv(editors.keep))).code).toBe(0);
    expect(await headMessage(repo.dir)).toBe("x");
    await repo.git("checkout", "--quiet", "-b", "side");
    await repo.commit({ message: "docs: side", files: { "docs.md": "d\n" } });
    await repo.git("checkout", "--quiet", "main");
    expect((await gitWith(repo.dir, ["merge", "--no-ff", "side"], commitEnv(editors.keep))).code).toBe(0);
    expect(await headMessage(repo.dir)).toBe("Merge branch 'side'");
    expect(ollama.generationRequests().length).toBe(before + 1);
  });

  it("never blocks the commit: with the stand-in stopped, or slower than hook.timeoutMs, it goes on with a one-line note", async () => {
    const repo = await repoWithHistory();
    const timeoutMs = DEFAULT_CONFIG.hook.timeoutMs; // 8000: node starts slowly on a busy machine, and the budget includes it
    expect((await hookCli("install", repo.dir, await writeConfig({ timeoutMs }))).code).toBe(0);

    const stopped = await startFakeOllama({ models: ["joco"] });
    await stopped.close();
    await writeFile(join(repo.dir, "README.md"), "# app\n\nOne.\n");
    const down = await gitWith(repo.dir, ["commit", "-a"], commitEnv(editors.typeMessage, stopped.url));
    expect(down.code, down.stderr).toBe(0);
    expect(await headMessage(repo.dir)).toBe("fix: typed by hand");
    expect(down.ms).toBeLessThan(timeoutMs);
    expect(down.stderr).toMatch(/^joco: no suggestion \(Ollama is not reachable at .*ECONNREFUSED\)\); the commit goes on, write its message yourself$/m);

    const slow = await startFakeOllama({ models: ["joco"], respond: () => ({ json: SUGGESTION, delayMs: 60_000 }) });
    try {
      await writeFile(join(repo.dir, "README.md"), "# app\n\nTwo.\n");
      const late = await gitWith(repo.dir, ["commit", "-a"], commitEnv(editors.typeMessage, slow.url));
      expect(late.code, late.stderr).toBe(0);
      expect(await headMessage(repo.dir)).toBe("fix: typed by hand");
      expect(late.stderr).toContain(`joco: no suggestion (nothing within ${timeoutMs} ms (hook.timeoutMs)); the commit goes on`);
      // The budget counts from node's start; git, the shell and node's exit come on top.
      expect(late.ms).toBeLessThan(timeoutMs + 5000);
    } finally {
      await slow.close();
    }
  });

  it("chains to the hook that was there, in a core.hooksPath folder, and uninstall puts it back as it was", async () => {
    const repo = await repoWithHistory();
    await repo.git("config", "core.hooksPath", ".githooks");
    const previous = '#!/bin/sh\necho "previous ran (source: ${2:-none})" >> "$(git rev-parse --git-dir)/previous.log"\necho "Refs: #42" >> "$1"\n';
    const hookFile = join(repo.dir, ".githooks/prepare-commit-msg");
    await mkdir(join(repo.dir, ".githooks"));
    await writeFile(hookFile, previous, { mode: 0o755 });
    const statusBefore = (await gitWith(repo.dir, ["status", "--porcelain", "--untracked-files=all"])).stdout;

    const installed = await hookCli("install", repo.dir, config);
    expect(installed.stdout).toMatch(/prepare-commit-msg: installed in .*\.githooks; the hook that was there runs after it/);
    const status = await hookCli("status", repo.dir);
    expect(status.stdout).toMatch(/core\.hooksPath = \.githooks/);
    expect(status.stdout).toMatch(/prepare-commit-msg: installed, calls .*, then the hook kept as prepare-commit-msg\.joco-previous/);

    await writeFile(join(repo.dir, "src/parser.ts"), "tokens\n");
    const commit = await gitWith(repo.dir, ["commit", "-a"], commitEnv(editors.keep));
    expect(commit.code, commit.stderr).toBe(0);
    expect(await headMessage(repo.dir)).toBe(`${MESSAGE}\n\nRefs: #42`);
    expect(await readFile(join(repo.dir, ".git/previous.log"), "utf8")).toBe("previous ran (source: none)\n");

    const removed = await hookCli("uninstall", repo.dir);
    expect(removed.stdout).toContain("prepare-commit-msg: removed; the hook that was there before is back");
    expect(await readFile(hookFile, "utf8")).toBe(previous);
    expect((await stat(hookFile)).mode & 0o777).toBe(0o755);
    expect((await gitWith(repo.dir, ["status", "--porcelain", "--untracked-files=all"])).stdout).toBe(statusBefore);
    await writeFile(join(repo.dir, "src/parser.ts"), "tokens again\n");
    const before = ollama.generationRequests().length;
    expect((await gitWith(repo.dir, ["commit", "-a", "-m", "fix: plain"], commitEnv(editors.keep))).code).toBe(0);
    expect(await headMessage(repo.dir)).toBe("fix: plain\nRefs: #42"); // the old hook, alone again, appends as it always did
    expect(ollama.generationRequests().length).toBe(before);
  });

  it("says clearly that the project folder has moved, and the commit goes on", async () => {
    const repo = await repoWithHistory();
    const project = await tempDir("joco-project-");
    await installHooks(repo.dir, { project, node: process.execPath });
    await rm(project, { recursive: true });
    expect((await hookCli("status", repo.dir)).stdout).toContain(`calls ${project}, which has moved or gone`);
    await writeFile(join(repo.dir, "README.md"), "# moved\n");
    const commit = await gitWith(repo.dir, ["commit", "-a"], commitEnv(editors.typeMessage));
    expect(commit.code, commit.stderr).toBe(0);
    expect(commit.stderr).toContain(`joco: no suggestion: the joco-finetune folder ${project} has moved or gone; run`);
    expect(await headMessage(repo.dir)).toBe("fix: typed by hand");
  });
});
