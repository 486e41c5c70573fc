// 08-benchmark reads its case files before it asks any server: a case file
// with bad lines (an empty diff among them) is named line by line even when
// Ollama is down, instead of "not reachable" alone.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonl } from "../../lib/core/jsonl.js";
import { CaseSchema } from "../../lib/core/records.js";
import { REPO_ROOT, runTsx, tempDir } from "../helpers/process.js";

const CELL = join(REPO_ROOT, "runbook/08-benchmark.ts");
const good = (n: number, diff = `diff ${n}`) => JSON.stringify({ id: `c${n}`, diff, expectedMessage: "fix: handle empty input", repository: "r", commitHash: String(n) });

describe("08-benchmark case files", () => {
  it("names every bad line, an empty diff included, before it asks Ollama anything", async () => {
    const dir = await tempDir();
    const file = join(dir, "benchmark/cases/held-out.jsonl");
    await mkdir(join(dir, "benchmark/cases"), { recursive: true });
    await writeFile(file, [good(0), good(1, "  \n"), "{ not json", good(3), JSON.stringify({ id: "c4", diff: "d" })].join("\n") + "\n");

    const result = await runTsx(CELL, [], { cwd: dir, env: { OLLAMA_HOST: "http://127.0.0.1:9" } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`3 bad lines in ${file}:`);
    expect(result.stderr).toContain(`${file}:2: diff: empty diff: there is nothing to write a message for`);
    expect(result.stderr).toContain(`${file}:3: not valid JSON`);
    expect(result.stderr).toContain(`${file}:5: expectedMessage: Invalid input: expected string, received undefined`);
    expect(result.stderr.indexOf("benchmark cases (")).toBeLessThan(result.stderr.indexOf("models reachable ("));
  });

  it("rejects an empty diff with its file and line wherever cases are read", async () => {
    const file = join(await tempDir(), "cases.jsonl");
    await writeFile(file, `${good(0)}\n${good(1, "")}\n`);
    await expect(readJsonl(file, CaseSchema)).rejects.toThrow(`${file}:2: diff: empty diff`);
  });
});
