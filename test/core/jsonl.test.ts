import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { JsonlError, appendJsonl, readJsonl, readJsonlIfExists, repairJsonlTail } from "../../lib/core/jsonl.js";
import { tempDir } from "../helpers/process.js";

const Item = z.object({ id: z.string(), n: z.number() });

describe("jsonl", () => {
  it("drops a torn last line left by a crash and appends cleanly after repairing it", async () => {
    const file = join(await tempDir(), "items.jsonl");
    await writeFile(file, '{"id":"a","n":1}\n{"id":"b","n":2}\n{"id":"c","n"');
    expect((await readJsonl(file, Item)).map((i) => i.id)).toEqual(["a", "b"]);

    await repairJsonlTail(file);
    await appendJsonl(file, [{ id: "c", n: 3 }]);
    expect(await readFile(file, "utf8")).toBe('{"id":"a","n":1}\n{"id":"b","n":2}\n{"id":"c","n":3}\n');
  });

  it("repairs a file that is one torn line, and leaves a complete file alone", async () => {
    const dir = await tempDir();
    const torn = join(dir, "torn.jsonl");
    await writeFile(torn, '{"id":"a"');
    await repairJsonlTail(torn);
    expect(await readFile(torn, "utf8")).toBe("");
    const whole = join(dir, "whole.jsonl");
    await writeFile(whole, '{"id":"a","n":1}\n');
    await repairJsonlTail(whole);
    expect(await readFile(whole, "utf8")).toBe('{"id":"a","n":1}\n');
  });

  it("names the file and line of a corrupt line that is not the last", async () => {
    const file = join(await tempDir(), "items.jsonl");
    await writeFile(file, '{"id":"a","n":1}\n{oops}\n{"id":"c","n":3}\n');
    await expect(readJsonl(file, Item)).rejects.toThrow(`${file}:2: not valid JSON`);
  });

  it("names the key of a line that does not match the schema", async () => {
    const file = join(await tempDir(), "items.jsonl");
    await writeFile(file, '{"id":"a","n":"one"}\n');
    const error = await readJsonl(file, Item).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonlError);
    expect((error as Error).message).toContain(`${file}:1: n: Invalid input: expected number`);
  });

  it("reports every bad line in one pass, the first 20 with file, line and key", async () => {
    const file = join(await tempDir(), "items.jsonl");
    const lines = Array.from({ length: 60 }, (_, i) => (i % 2 ? `{"id":"x${i}","n":"bad"}` : `{"id":"x${i}","n":${i}}`));
    lines[10] = "garbage";
    await writeFile(file, `${lines.join("\n")}\n`);
    const error = (await readJsonl(file, Item).catch((e: unknown) => e)) as JsonlError;
    const reported = error.message.split("\n");
    expect(reported[0]).toBe(`31 bad lines in ${file}:`);
    expect(reported[1]).toBe(`  ${file}:2: n: Invalid input: expected number, received string`);
    expect(reported).toContain(`  ${file}:11: not valid JSON (Unexpected token 'g', "garbage" is not valid JSON)`);
    expect(reported).toHaveLength(1 + 20 + 1);
    expect(reported.at(-1)).toBe("… and 11 more");
    expect(error.hint).toBe("Fix or delete those lines; every other line is kept.");
  });

  it("hands bad lines to onBadLine and keeps the good ones when asked to", async () => {
    const file = join(await tempDir(), "cache.jsonl");
    await writeFile(file, '{"id":"a","n":1}\n{oops}\n{"id":"c","n":3}\n{"id":"d","n');
    const seen: string[] = [];
    const records = await readJsonl(file, Item, { onBadLine: (problem) => seen.push(problem.text) });
    expect(records.map((r) => r.id)).toEqual(["a", "c"]);
    expect(seen).toEqual([expect.stringMatching(new RegExp(`^${file}:2: not valid JSON`))]);
  });

  it("treats a missing file as empty only when asked to", async () => {
    const file = join(await tempDir(), "missing.jsonl");
    expect(await readJsonlIfExists(file)).toEqual([]);
    await expect(readJsonl(file)).rejects.toThrow(/ENOENT/);
  });
});
