// Raw diffs and fake-Anthropic answers for the labeling tests. Each diff
// carries a marker, so the fake (and the test) can tell which diff a request is for.
import type { MessagesRequest } from "../fakes/anthropic.ts";
import type { RawDiff } from "../../lib/core/records.js";

export function rawDiff(n: number, overrides: Partial<RawDiff> = {}): RawDiff {
  return {
    id: `alpha-${String(n).padStart(4, "0")}`,
    repository: "acme/alpha",
    commitHash: n.toString(16).padStart(40, "0"),
    date: "2026-01-02T03:04:05Z",
    diff: ` src/file${n}.ts | 1 +\n 1 file changed, 1 insertion(+)\n\ndiff --git a/src/file${n}.ts b/src/file${n}.ts\n+export const marker = "diff-${n}";\n`,
    originalMessage: `feat(core): add marker ${n}`,
    stats: { files: 1, insertions: 1, deletions: 0 },
    truncated: false,
    ...overrides,
  };
}

/** The marker number of the diff a request asks about (first user turn). */
export function diffNumberOf(request: MessagesRequest | unknown): number {
  const first = (request as MessagesRequest).messages[0]?.content;
  const text = typeof first === "string" ? first : JSON.stringify(first);
  const match = /diff-(\d+)/.exec(text);
  if (!match) throw new Error(`no diff marker in request: ${text.slice(0, 200)}`);
  return Number(match[1]);
}

export const goodLabel = (n: number) => ({ type: "feat", scope: "core", breaking: false, subject: `add marker ${n}`, body: null });

/** Counts requests per diff marker: the "was anything asked twice" check. */
export function countPerDiff(requests: { body: unknown }[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const request of requests) {
    const n = diffNumberOf(request.body);
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  return counts;
}
