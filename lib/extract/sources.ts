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
 * The benchmark source must never be a training source (its commits would
 * leak into training), and two repositories may not share a folder.
 * Returns true, or what is wrong.
 */
export function checkSources(config: SourcesConfig): true | string {
  const { source } = config.benchmark;
  const leak = config.repos.find((r) => r.name === source.name || normalizeUrl(r.url) === normalizeUrl(source.url));
  if (leak) {
    return `benchmark.source (${source.name}, ${source.url}) is also a training source (repos: ${leak.name}, ${leak.url}); benchmark cases would leak into training`;
  }
  const seen = new Set<string>();
  for (const repo of config.repos) {
    if (seen.has(repo.name)) return `two repositories are named "${repo.name}"; each needs its own folder`;
    seen.add(repo.name);
  }
  return true;
}

/** `https://github.com/vuejs/core.git` → `vuejs/core`; a local or file:// URL → the configured name. */
export function repositoryLabel(name: string, url: string): string {
  if (url.startsWith("file:") || url.startsWith("/") || url.startsWith(".")) return name;
  const match = /[/:]([^/:]+)\/([^/]+?)(\.git)?\/?$/.exec(url);
  return match ? `${match[1]}/${match[2]}` : name;
}
