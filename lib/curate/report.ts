/**
 * What 04-curate reports, computed once as data (dataset/stats.json) and
 * rendered as tables: counts per type and per repository after each filter,
 * why examples were dropped, the split, lengths and token estimates.
 */
import type { Candidate, CurationResult, CurationSettings } from "./candidate.js";
import { groupBy } from "./split.js";
import { SAFETY_MARGIN_TOKENS, TOKEN_ESTIMATE_METHOD, diffTokenBudget, estimateTokens } from "./tokens.js";
import { bodyOf } from "../conventional/parser.js";
import { renderTable } from "../core/ui.js";

export interface StageCounts {
  filter: string;
  description: string;
  kept: number;
  dropped: number;
  byType: Record<string, number>;
  byRepository: Record<string, number>;
  reasons: Record<string, number>;
}

const countBy = <T>(items: readonly T[], keyOf: (item: T) => string): Record<string, number> =>
  Object.fromEntries([...groupBy(items, keyOf)].map(([key, group]) => [key, group.length]));

export function stageCounts(result: CurationResult): StageCounts[] {
  const input: StageCounts = {
    filter: "labeled",
    description: "every labeled diff, by the type its label came with",
    kept: result.input.length,
    dropped: 0,
    byType: countBy(result.input, (c) => c.sourceType),
    byRepository: countBy(result.input, (c) => c.repository),
    reasons: {},
  };
  return [
    input,
    ...result.stages.map((stage) => ({
      filter: stage.filter,
      description: stage.description,
      kept: stage.kept.length,
      dropped: stage.dropped.length,
      byType: countBy(stage.kept, (c) => c.type),
      byRepository: countBy(stage.kept, (c) => c.repository),
      reasons: countBy(stage.dropped, (d) => d.reason),
    })),
  ];
}

/** Nearest-rank percentiles. */
export function percentiles(values: readonly number[]): { p50: number; p90: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return { p50: at(0.5), p90: at(0.9), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}

function splitCounts(result: CurationResult, keyOf: (c: Candidate) => string): Record<string, { train: number; validation: number }> {
  const train = countBy(result.split.train, keyOf);
  const validation = countBy(result.split.validation, keyOf);
  const keys = [...new Set([...Object.keys(train), ...Object.keys(validation)])].sort();
  return Object.fromEntries(keys.map((key) => [key, { train: train[key] ?? 0, validation: validation[key] ?? 0 }]));
}

const bodyLineCount = (message: string) => (bodyOf(message) === "" ? 0 : bodyOf(message).split("\n").length);

export function curationStats(result: CurationResult, settings: CurationSettings) {
  const kept = result.kept;
  return {
    examples: { total: kept.length, train: result.split.train.length, validation: result.split.validation.length },
    byType: splitCounts(result, (c) => c.type),
    byRepository: splitCounts(result, (c) => c.repository),
    lengths: {
      diffChars: percentiles(kept.map((c) => c.diff.length)),
      inputChars: percentiles(kept.map((c) => c.input.length)),
      messageChars: percentiles(kept.map((c) => c.message.length)),
      headerChars: percentiles(kept.map((c) => c.message.split("\n")[0]!.length)),
    },
    /** The distribution of what the model learns to write, against the caps that keep it generable. */
    messages: {
      tokens: percentiles(kept.map((c) => estimateTokens(c.message))),
      bodyLines: percentiles(kept.map((c) => bodyLineCount(c.message))),
      withBody: kept.filter((c) => bodyLineCount(c.message) > 0).length,
      capped: kept.filter((c) => c.capped).length,
      maxBodyLines: settings.maxBodyLines,
      maxMessageTokens: settings.maxMessageTokens,
    },
    tokens: {
      method: TOKEN_ESTIMATE_METHOD,
      maxSeqLength: settings.maxSeqLength,
      /** The diff budget 04 and 08 share (diffTokenBudget). */
      diffBudget: diffTokenBudget(settings.instruction, settings.maxSeqLength, settings.maxMessageTokens),
      safetyMargin: SAFETY_MARGIN_TOKENS,
      perExample: percentiles(kept.map((c) => c.tokens)),
      total: kept.reduce((n, c) => n + c.tokens, 0),
      truncatedExamples: kept.filter((c) => c.truncated).length,
    },
    benchmarkCases: settings.cases.length,
    stages: stageCounts(result),
    dropped: result.stages.flatMap((stage) =>
      stage.dropped.map((d) => ({ id: d.candidate.id, filter: stage.filter, reason: d.reason, detail: d.detail })),
    ),
  };
}

export type CurationStats = ReturnType<typeof curationStats>;

/** Columns: the configured types that occur, then every other type folded into "other". */
function typeColumns(stats: CurationStats, types: string[]): { head: string[]; cells: (byType: Record<string, number>) => number[] } {
  const seen = new Set(stats.stages.flatMap((s) => Object.keys(s.byType)));
  const shown = types.filter((t) => seen.has(t));
  const hasOther = [...seen].some((t) => !types.includes(t));
  const other = (byType: Record<string, number>) => Object.entries(byType).reduce((n, [t, c]) => n + (types.includes(t) ? 0 : c), 0);
  return {
    head: [...shown, ...(hasOther ? ["other"] : [])],
    cells: (byType) => [...shown.map((t) => byType[t] ?? 0), ...(hasOther ? [other(byType)] : [])],
  };
}

export function renderCurationTables(stats: CurationStats, types: string[]): string {
  const byType = typeColumns(stats, types);
  const repositories = Object.keys(stats.stages[0]?.byRepository ?? {});
  const typeTable = renderTable(
    ["after", "kept", "−", ...byType.head],
    stats.stages.map((s) => [s.filter, s.kept, s.dropped || "", ...byType.cells(s.byType)]),
    Math.max(6, (byType.head.at(-1)?.length ?? 0) + 2),
  );
  const repositoryTable = renderTable(
    ["after", "kept", ...repositories],
    stats.stages.map((s) => [s.filter, s.kept, ...repositories.map((r) => s.byRepository[r] ?? 0)]),
    Math.max(8, (repositories.at(-1)?.length ?? 0) + 2),
  );
  const reasonTable = renderTable(
    ["filter", "dropped", "why"],
    stats.stages
      .filter((s) => s.dropped > 0)
      .map((s) => [s.filter, s.dropped, Object.entries(s.reasons).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(", ")]),
  );
  const splitTable = renderTable(
    ["type", "train", "validation"],
    Object.entries(stats.byType).map(([type, n]) => [type, n.train, n.validation]),
    12,
  );
  return [
    "Examples per type after each filter (other = types outside conventional.types):",
    typeTable,
    "Examples per repository after each filter:",
    repositoryTable,
    "Dropped, by reason:",
    reasonTable,
    messageLine(stats),
    `Split (seeded, stratified by type): ${stats.examples.train} train / ${stats.examples.validation} validation`,
    splitTable,
  ].join("\n");
}

function messageLine({ messages: m, tokens }: CurationStats): string {
  const range = (p: { p50: number; p90: number; max: number }) => `p50 ${p.p50}, p90 ${p.p90}, max ${p.max}`;
  return (
    `Messages: estimated tokens ${range(m.tokens)} (cap curation.maxMessageTokens ${m.maxMessageTokens}); ` +
    `body lines ${range(m.bodyLines)} (cap ${m.maxBodyLines}; ${m.withBody} with a body, ${m.capped} cut to their header). ` +
    `Diffs cut to ${tokens.diffBudget} estimated tokens, as 08 cuts them.`
  );
}
