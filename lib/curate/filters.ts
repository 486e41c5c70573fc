/**
 * The filters of 04-curate, in the order they run. Each one is a named,
 * described step returning kept + dropped-with-reason (see lib/curate/pipeline.ts).
 */
import { capPerGroup, sampleStratified } from "./balance.js";
import { isReleaseCommit, lintCommitMessage } from "../conventional/parser.js";
import { type Candidate, type CurationFilter, type CurationSettings, type Drop, keepIf } from "./candidate.js";
import { capMessages, dropLongHeaders } from "./message-fit.js";
import { createSimilarityIndex, jaccard } from "./dedupe.js";
import { assertNoLeakage } from "./leakage.js";
import { RUBRIC_POINTS, type RubricRule, rubricScore } from "../conventional/rubric.js";
import { fitExampleToBudget } from "./tokens.js";


/** Rewrites the header's type; the rest of the message is the labeler's. */
const withType = (message: string, type: string) => message.replace(/^\s*[A-Za-z]+/, type);

const mapTypes: CurationFilter = {
  name: "type map",
  description: "types outside conventional.types are mapped by curation.typeMap; unmapped or null-mapped ones are dropped",
  apply: (candidates, { types, typeMap }) =>
    keepIf(candidates, (c) => {
      if (types.includes(c.type)) return true;
      const mapped = typeMap[c.type];
      if (mapped === undefined) return { reason: `type ${c.type} not configured`, detail: "not in conventional.types nor curation.typeMap" };
      if (mapped === null) return { reason: `type ${c.type} dropped`, detail: `curation.typeMap.${c.type} is null` };
      return { ...c, type: mapped, message: withType(c.message, mapped) };
    }),
};

const dropReleases: CurationFilter = {
  name: "release",
  description: "release and version-bump commits: nothing in the diff to learn a message from",
  apply: (candidates) => keepIf(candidates, (c) => !isReleaseCommit(c.message) || { reason: "release commit", detail: c.message.split("\n")[0]! }),
};

const lintLabels: CurationFilter = {
  name: "commitlint",
  description: "the message must pass @commitlint/config-conventional with the configured types",
  apply: (candidates, { types }) =>
    keepIf(candidates, async (c) => {
      const { valid, errors } = await lintCommitMessage(c.message, types);
      return valid || { reason: `commitlint ${errors[0]?.split(":")[0] ?? "error"}`, detail: errors.join("; ") };
    }),
};

const scoreLabels: CurationFilter = {
  name: "rubric",
  description: "the message must score at least curation.minScore on the 0–100 rubric (DESIGN §6)",
  apply: (candidates, { minScore, types }) =>
    keepIf(candidates, (c) => {
      const { score, rules } = rubricScore(c.message, types);
      if (score >= minScore) return true;
      const lost = (Object.keys(rules) as RubricRule[]).filter((rule) => rules[rule] !== Math.max(0, RUBRIC_POINTS[rule]));
      return { reason: `rubric under ${minScore}`, detail: `scored ${score}; lost ${lost.join(", ")}` };
    }),
};

const dropExactDuplicates: CurationFilter = {
  name: "exact duplicate",
  description: "the same diff (ignoring stat block, index lines, trailing spaces) as an earlier example",
  apply: (candidates) => {
    const first = new Map<string, string>();
    return keepIf(candidates, (c) => {
      const earlier = first.get(c.fingerprint.hash);
      if (earlier) return { reason: "exact duplicate", detail: `same diff as ${earlier}` };
      first.set(c.fingerprint.hash, c.id);
      return true;
    });
  },
};

const dropNearDuplicates: CurationFilter = {
  name: "near duplicate",
  description: "changed lines' 5-shingles with Jaccard ≥ curation.nearDuplicateThreshold to an earlier example",
  apply: (candidates, { nearDuplicateThreshold }) => {
    const index = createSimilarityIndex<string>();
    return keepIf(candidates, (c) => {
      const match = index.mostSimilar(c.fingerprint, nearDuplicateThreshold);
      if (match) return { reason: "near duplicate", detail: `of ${match.item} (Jaccard ${match.similarity.toFixed(2)})` };
      index.add(c.id, c.fingerprint);
      return true;
    });
  },
};

const normalizeMessage = (message: string) => message.trim().toLowerCase().replace(/\s+/g, " ");

const dropSameMessage: CurationFilter = {
  name: "same message",
  description: "an identical message on a similar diff (Jaccard ≥ curation.similarDiffThreshold): one is enough",
  apply: (candidates, { similarDiffThreshold }) => {
    const keptByMessage = new Map<string, Candidate[]>();
    return keepIf(candidates, (c) => {
      const key = normalizeMessage(c.message);
      const earlier = keptByMessage.get(key) ?? [];
      const twin = earlier.find((e) => jaccard(e.fingerprint.shingles, c.fingerprint.shingles) >= similarDiffThreshold);
      if (twin) return { reason: "same message, similar diff", detail: `as ${twin.id}` };
      keptByMessage.set(key, [...earlier, c]);
      return true;
    });
  },
};

const capRepeatedMessages: CurationFilter = {
  name: "repeated message",
  description: "at most curation.maxSameMessage examples share one message (`docs: update` teaches nothing more the tenth time)",
  apply: (candidates, { maxSameMessage }) => {
    const seen = new Map<string, Candidate[]>();
    return keepIf(candidates, (c) => {
      const key = normalizeMessage(c.message);
      const earlier = seen.get(key) ?? [];
      if (earlier.length >= maxSameMessage) return { reason: "repeated message", detail: `${earlier.length} kept already, first ${earlier[0]!.id}` };
      seen.set(key, [...earlier, c]);
      return true;
    });
  },
};

const fitToSequence: CurationFilter = {
  name: "fit",
  description: "the diff is cut (whole hunks) to the diff budget 08 uses too: what training.maxSeqLength leaves beside the longest allowed answer",
  apply: (candidates, { instruction, maxSeqLength, maxMessageTokens }) =>
    keepIf(candidates, (c) => {
      const fitted = fitExampleToBudget(instruction, c.diff, c.message, { maxSeqLength, maxMessageTokens });
      if (typeof fitted === "string") return { reason: "answer too long", detail: fitted };
      return { ...c, input: fitted.input, tokens: fitted.tokens, truncated: c.truncated || fitted.truncated };
    }),
};

const checkLeakage: CurationFilter = {
  name: "leakage",
  description: "no example may share a commit or an (almost) identical diff with a benchmark case: a hard error",
  apply: (candidates, { cases, nearDuplicateThreshold }) => {
    assertNoLeakage(candidates, cases, nearDuplicateThreshold);
    return { kept: candidates, dropped: [] };
  },
};

const spreadOptions = (settings: CurationSettings, spreadOf: (c: Candidate) => string) => ({ idOf: (c: Candidate) => c.id, spreadOf, seed: settings.seed });

/** Wraps a balancing step as a filter: what it removes is dropped with the reason and the cap. */
function selectionFilter(
  name: string,
  description: string,
  select: (c: Candidate[], s: CurationSettings) => { kept: Candidate[]; removed: Candidate[] },
  reasonOf: (c: Candidate, s: CurationSettings) => Drop,
): CurationFilter {
  return {
    name,
    description,
    apply: (candidates, settings) => {
      const { kept, removed } = select(candidates, settings);
      return { kept, dropped: removed.map((candidate) => ({ candidate, ...reasonOf(candidate, settings) })) };
    },
  };
}

const repositoryCap = (s: CurationSettings) => Math.ceil(s.maxRepositoryShare * s.max);
const typeCap = (s: CurationSettings) => Math.ceil(s.maxTypeShare * s.max);

const capRepositories = selectionFilter(
  "repository cap",
  "at most curation.maxRepositoryShare × curation.max examples per repository, sampled keeping its type mix",
  (candidates, s) => capPerGroup(candidates, (c) => c.repository, repositoryCap(s), spreadOptions(s, (c) => c.type)),
  (c, s) => ({ reason: "repository cap", detail: `${c.repository} over ${repositoryCap(s)}` }),
);

const capTypes = selectionFilter(
  "type cap",
  "at most curation.maxTypeShare × curation.max examples per type, sampled keeping its repository mix",
  (candidates, s) => capPerGroup(candidates, (c) => c.type, typeCap(s), spreadOptions(s, (c) => c.repository)),
  (c, s) => ({ reason: "type cap", detail: `${c.type} over ${typeCap(s)}` }),
);

const sampleToMax = selectionFilter(
  "max",
  "above curation.max, a seeded sample stratified by type, then repository (each keeps its share)",
  (candidates, s) => sampleStratified(candidates, s.max, [(c) => c.type, (c) => c.repository], { idOf: (c) => c.id, seed: s.seed }),
  (_c, s) => ({ reason: "sampled down", detail: `to curation.max ${s.max}` }),
);

export const CURATION_FILTERS: CurationFilter[] = [
  mapTypes,
  dropReleases,
  lintLabels,
  dropLongHeaders,
  capMessages,
  scoreLabels,
  dropExactDuplicates,
  dropNearDuplicates,
  dropSameMessage,
  capRepeatedMessages,
  fitToSequence,
  checkLeakage,
  capRepositories,
  capTypes,
  sampleToMax,
];
