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

  it("treats a missing file as empty only when asked to", async () => {
    const file = join(await tempDir(), "missing.jsonl");
    expect(await readJsonlIfExists(file)).toEqual([]);
    await expect(readJsonl(file)).rejects.toThrow(/ENOENT/);
  });
});
