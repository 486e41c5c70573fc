/**
 * Small but varied git projects for end-to-end runs (the rehearsal): commits
 * of every common type, each touching the files its type touches, with
 * distinct identifiers so that dedupe keeps them and a model can learn
 * from them. Seeded: the same seed gives the same history.
 */
import { join } from "node:path";
import { type FixtureRepo, createRepo } from "./git-fixture.js";

const NOUNS = ["parser", "cache", "router", "token", "config", "session", "plugin", "schema", "queue", "logger", "client", "server", "widget", "import", "export", "option", "stream", "buffer", "worker", "index"];
const VERBS = { feat: ["add", "support", "introduce", "allow", "expose"], fix: ["fix", "handle", "prevent", "correct", "guard"], docs: ["document", "explain", "describe", "clarify"], test: ["cover", "test", "check"], refactor: ["simplify", "extract", "rename", "split"], chore: ["bump", "tidy", "update"] } as const;
const SCOPES = ["core", "cli", "api", "ui", "build", null] as const;

type Kind = keyof typeof VERBS;
const KINDS: Kind[] = ["feat", "fix", "fix", "docs", "test", "refactor", "chore", "feat"];

function rng(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function commitFor(kind: Kind, n: number, random: () => number) {
  const noun = pick(random, NOUNS);
  const other = pick(random, NOUNS);
  const verb = pick(random, VERBS[kind]);
  const scope = pick(random, SCOPES);
  const id = `${noun}${other[0]!.toUpperCase()}${other.slice(1)}${n}`;
  const subject = `${verb} ${noun} ${kind === "docs" ? "usage" : other} handling for case ${n}`;
  const message = `${kind}${scope ? `(${scope})` : ""}: ${subject}`;
  const lines = Array.from({ length: 3 + Math.floor(random() * 6) }, (_, i) => `  const ${id}Step${i} = ${Math.floor(random() * 1000)};`);
  const files: Record<string, string> = {
    feat: { [`src/${noun}/${id}.ts`]: `export function ${id}(input: string) {\n${lines.join("\n")}\n  return input.length;\n}\n` },
    fix: { [`src/${noun}/fix-${n}.ts`]: `export function guard${n}(value?: string) {\n  if (value === undefined) return "";\n${lines.join("\n")}\n  return value.trim();\n}\n` },
    docs: { [`docs/${noun}-${n}.md`]: `# ${noun} ${other}\n\nHow to use ${id}:\n\n${lines.map((l) => `- ${l.trim()}`).join("\n")}\n` },
    test: { [`test/${noun}-${n}.test.ts`]: `import { ${id} } from "../src/${noun}";\n\ntest("${id}", () => {\n${lines.map((l) => `  expect(${l.split("=")[1]!.trim().replace(";", "")}).toBeGreaterThan(-1);`).join("\n")}\n});\n` },
    refactor: { [`src/${noun}/shared-${n}.ts`]: `// moved out of ${other}\nexport const ${id}Shared = {\n${lines.map((l) => `  ${l.trim().replace("const ", "").replace(" =", ":").replace(";", ",")}`).join("\n")}\n};\n` },
    chore: { [`config/${noun}-${n}.json`]: `${JSON.stringify({ name: id, steps: lines.length, version: `1.${n}.0` }, null, 2)}\n` },
  }[kind];
  return { message, files };
}

/** A repository of `count` commits; `seed` varies identifiers and order between repositories. */
export async function createProjectRepo(dir: string, count: number, seed: number): Promise<FixtureRepo> {
  const repo = await createRepo(dir);
  const random = rng(seed);
  await repo.commit({ message: "chore: initial commit", files: { "README.md": "# project\n" } });
  for (let n = 1; n <= count; n += 1) await repo.commit(commitFor(pick(random, KINDS), seed * 1000 + n, random));
  return repo;
}

/** Three training sources and a held-out benchmark source under `root`, as a config's `repos` and `benchmark.source`. */
export async function createProjectSources(root: string, options: { perRepo: number; cases: number }) {
  const [alpha, beta, gamma, held] = await Promise.all([
    createProjectRepo(join(root, "alpha"), options.perRepo, 1),
    createProjectRepo(join(root, "beta"), options.perRepo, 2),
    createProjectRepo(join(root, "gamma"), options.perRepo, 3),
    createProjectRepo(join(root, "held"), options.cases, 4),
  ]);
  return {
    repos: [
      { name: "alpha", url: alpha.url },
      { name: "beta", url: beta.url },
      { name: "gamma", url: gamma.url },
    ],
    benchmark: { source: { name: "held", url: held.url } },
  };
}
