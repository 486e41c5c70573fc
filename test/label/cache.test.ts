import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type LabelCacheEntry, labelCacheKey, openLabelCache } from "../../lib/label/cache.js";
import { tempDir } from "../helpers/process.js";

const claude = { backend: "claude" as const, model: "claude-haiku-4-5", version: "prompt-v1;types=feat,fix", readsMessage: false };
const original = { backend: "original" as const, model: null, version: "original-v1;types=feat,fix", readsMessage: true };
const raw = (diff: string, originalMessage = "fix: x") => ({ diff, originalMessage });

function entry(key: string, subject: string): LabelCacheEntry {
  return {
    key,
    id: "alpha-0001",
    message: `fix: ${subject}`,
    label: { type: "fix", scope: null, breaking: false, subject, body: null },
    labeler: { backend: "claude", model: "claude-haiku-4-5" },
    usage: { inputTokens: 10, outputTokens: 2, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.00002 },
    labeledAt: "2026-01-01T00:00:00.000Z",
  };
}

describe("label cache", () => {
  it("keys by diff, prompt version and model", () => {
    const key = labelCacheKey(raw("diff"), claude);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(labelCacheKey(raw("diff"), claude)).toBe(key);
    expect(labelCacheKey(raw("diff "), claude)).not.toBe(key);
    expect(labelCacheKey(raw("diff"), { ...claude, model: "claude-sonnet-4-5" })).not.toBe(key);
    expect(labelCacheKey(raw("diff"), { ...claude, version: "prompt-v2;types=feat,fix" })).not.toBe(key);
  });

  it("keys the original labeler by the commit message too: the same diff with another message is another label", () => {
    expect(labelCacheKey(raw("diff", "fix: a"), original)).not.toBe(labelCacheKey(raw("diff", "feat: b"), original));
    expect(labelCacheKey(raw("diff", "fix: a"), claude)).toBe(labelCacheKey(raw("diff", "feat: b"), claude));
  });

  it("keeps labels across opens, the latest line winning", async () => {
    const file = join(await tempDir(), "cache.jsonl");
    const key = labelCacheKey(raw("d1"), claude);
    const first = await openLabelCache(file);
    await first.put(entry(key, "old"));
    await first.put(entry(key, "new"));
    expect((await openLabelCache(file)).get(key)?.label.subject).toBe("new");
  });

  it("drops a line torn by a crash and appends the next on a fresh line", async () => {
    const file = join(await tempDir(), "cache.jsonl");
    const [k1, k2, k3] = ["d1", "d2", "d3"].map((d) => labelCacheKey(raw(d), claude));
    const cache = await openLabelCache(file);
    await cache.put(entry(k1!, "one"));
    await appendFile(file, JSON.stringify(entry(k2!, "two")).slice(0, 40));

    const reopened = await openLabelCache(file);
    expect(reopened.get(k1!)?.label.subject).toBe("one");
    expect(reopened.get(k2!)).toBeUndefined();
    await reopened.put(entry(k3!, "three"));
    const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
    expect(lines.map((line) => JSON.parse(line).key)).toEqual([k1, k3]);
  });

  it("ignores earlier labels with --force but keeps them on disk", async () => {
    const file = join(await tempDir(), "cache.jsonl");
    const key = labelCacheKey(raw("d1"), claude);
    await (await openLabelCache(file)).put(entry(key, "old"));
    const forced = await openLabelCache(file, { ignoreExisting: true });
    expect(forced.get(key)).toBeUndefined();
    expect((await readFile(file, "utf8")).split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("warns about a garbage line in the middle, naming file and line, and keeps every other label", async () => {
    const file = join(await tempDir(), "cache.jsonl");
    const [k1, k2] = ["d1", "d2"].map((d) => labelCacheKey(raw(d), claude));
    await writeFile(file, `${JSON.stringify(entry(k1!, "one"))}\nnot json at all\n${JSON.stringify(entry(k2!, "two"))}\n`);
    const warnings: string[] = [];
    const cache = await openLabelCache(file, { warn: (message) => warnings.push(message) });
    expect(cache.get(k1!)?.label.subject).toBe("one");
    expect(cache.get(k2!)?.label.subject).toBe("two");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("1 bad line(s) in the label cache skipped (their diffs are labeled again):");
    expect(warnings[0]).toContain(`${file}:2: not valid JSON`);
    expect(await cache.compact()).toEqual({ lines: 3, kept: 2 });
    expect((await readFile(file, "utf8")).split("\n").filter(Boolean).map((line) => JSON.parse(line).key)).toEqual([k1, k2]);
  });

  it("does not grow when every label is asked for again (--force), run after run", async () => {
    const file = join(await tempDir(), "cache.jsonl");
    const keys = Array.from({ length: 40 }, (_, i) => labelCacheKey(raw(`d${i}`), claude));
    const sizes: number[] = [];
    for (let run = 0; run < 3; run++) {
      const cache = await openLabelCache(file, { ignoreExisting: run > 0 });
      for (const key of keys) {
        expect(cache.get(key)).toBeUndefined();
        await cache.put(entry(key, `run ${run}`));
      }
      await cache.compact();
      sizes.push((await readFile(file, "utf8")).split("\n").filter(Boolean).length);
    }
    expect(sizes).toEqual([40, 40, 40]);
    expect((await openLabelCache(file)).get(keys[0]!)?.label.subject).toBe("run 2");
  });
});
