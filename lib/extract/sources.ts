/** The repositories of the configuration: training sources and the held-out benchmark source. */

export interface SourceRepo {
  name: string;
  url: string;
  depth?: number;
  max?: number;
}

export interface SourcesConfig {
  repos: SourceRepo[];
  benchmark: { source: SourceRepo };
}

export type Role = "train" | "benchmark";

/** Every repository to clone, training sources first, each with its role. */
export function allSources(config: SourcesConfig): (SourceRepo & { role: Role })[] {
  return [...config.repos.map((r) => ({ ...r, role: "train" as const })), { ...config.benchmark.source, role: "benchmark" as const }];
}

const normalizeUrl = (url: string) => url.trim().replace(/\/+$/, "").replace(/\.git$/, "").toLowerCase();

/**
 * The benchmark source must never be a training source: its commits would
 * leak into training. Returns true, or what is wrong.
 */
export function checkHeldOut(config: SourcesConfig): true | string {
  const { source } = config.benchmark;
  const leak = config.repos.find((r) => normalizeUrl(r.url) === normalizeUrl(source.url));
  if (!leak) return true;
  return `benchmark.source (${source.name}, ${source.url}) is also a training source (repos: ${leak.name}, ${leak.url}); benchmark cases would leak into training`;
}

/**
 * A repository's name is its folder (tmp/repos/<name>) and its files
 * (dataset/raw/<name>.jsonl): two entries with one name would overwrite each
 * other. Names every pair that clashes, by its place in the config.
 */
export function checkNames(config: SourcesConfig): true | string {
  const entries = [...config.repos.map((repo, i) => ({ where: `repos[${i}]`, repo })), { where: "benchmark.source", repo: config.benchmark.source }];
  const clashes: string[] = [];
  entries.forEach(({ where, repo }, i) => {
    const first = entries.slice(0, i).find((other) => other.repo.name === repo.name);
    if (first) clashes.push(`${first.where} (${first.repo.url}) and ${where} (${repo.url}) are both named "${repo.name}"`);
  });
  return clashes.length === 0 || `${clashes.join("; ")}: each needs a name of its own, which names its folder and files`;
}

/** `https://github.com/vuejs/core.git` → `vuejs/core`; a local or file:// URL → the configured name. */
export function repositoryLabel(name: string, url: string): string {
  if (url.startsWith("file:") || url.startsWith("/") || url.startsWith(".")) return name;
  const match = /[/:]([^/:]+)\/([^/]+?)(\.git)?\/?$/.exec(url);
  return match ? `${match[1]}/${match[2]}` : name;
}
