/**
 * Why a commit is not extracted, as data: each rule is a small predicate, and
 * the reasons are counted per repository. Path rules run on the file list
 * before any patch is read; content rules (secrets, markers) on the patch.
 */
import type { DiffFile } from "./diff.js";

export const SKIP_REASONS = {
  merge: "merge commit",
  root: "root commit or shallow-clone boundary: no parent to diff against",
  bot: "authored by a bot",
  release: "release or version-bump-only commit",
  "not-conventional": "benchmark source: message is not a Conventional Commit with a configured type",
  "long-header": "benchmark source: header over 72 characters (training drops them too)",
  empty: "changes no file",
  "binary-only": "changes only binary files",
  "lockfile-only": "changes only lockfiles",
  generated: "changes only generated files",
  vendored: "changes only vendored code or submodule pointers",
  "too-large": "too many files, changed lines or bytes",
  secret: "the diff holds what looks like a credential",
} as const;

export type SkipReason = keyof typeof SKIP_REASONS;
export const SKIP_REASON_NAMES = Object.keys(SKIP_REASONS) as SkipReason[];

/** bot, renovate, dependabot, `[bot]` accounts, CI robots — as a word, so that "Abbott" or "Talbot" stay. */
const BOT_AUTHOR = /\[bot\]|(^|[^a-z])bots?([^a-z]|$)|robot|renovate|dependabot|greenkeeper|github-actions|snyk-|mergify|copybara/i;

export function isBotAuthor(name: string, email: string): boolean {
  return BOT_AUTHOR.test(name) || BOT_AUTHOR.test(email);
}

export type FileKind = "source" | "lockfile" | "generated" | "vendored" | "binary";

const LOCKFILES = new Set([
  "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock", "deno.lock",
  "Cargo.lock", "go.sum", "go.work.sum", "poetry.lock", "Pipfile.lock", "uv.lock", "pdm.lock", "Gemfile.lock",
  "composer.lock", "gradle.lockfile", "packages.lock.json", "flake.lock", "mix.lock", "pubspec.lock", "Podfile.lock",
]);
const GENERATED_PATH = [
  /\.min\.(js|css|mjs)$/i,
  /\.(js|css|mjs)\.map$/i,
  /\.pb(\.gw)?\.go$|_pb2(_grpc)?\.py$|\.pb\.(cc|h)$/,
  /(^|\/)zz_generated[^/]*$|_generated\.go$|\.generated\.[a-z]+$|\.g\.dart$|\.freezed\.dart$/,
  /(^|\/)(__generated__|generated)\//,
  /(^|\/)__snapshots__\/|\.snap$/,
  /(^|\/)\.yarn\/releases\/|(^|\/)\.pnp\.c?js$/,
];
const VENDORED_PATH = /(^|\/)(vendor|vendored|third_party|third-party|thirdparty|node_modules|bower_components)\/|(^|\/)\.yarn\/cache\//;
/** A `node_modules/` inside a test fixture is hand-written test input, not vendored code (vite's playgrounds). */
const TEST_FIXTURE_PATH = /(^|\/)(__tests__|__fixtures__|fixtures?|playground|testdata|tests?)\//;
const BINARY_EXTENSION =
  /\.(png|jpe?g|gif|ico|icns|webp|bmp|tiff?|avif|psd|pdf|zip|gz|tgz|bz2|xz|7z|rar|jar|war|class|so|dylib|dll|exe|bin|wasm|woff2?|ttf|otf|eot|mp[34]|mov|avi|webm|ogg|wav|flac|pyc|o|a|node|sqlite|db|lockb)$/i;

/** What a path is, from its name alone. */
export function classifyPath(path: string): FileKind {
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (LOCKFILES.has(base)) return "lockfile";
  if (VENDORED_PATH.test(path) && !TEST_FIXTURE_PATH.test(path)) return "vendored";
  if (GENERATED_PATH.some((pattern) => pattern.test(path))) return "generated";
  if (BINARY_EXTENSION.test(base)) return "binary";
  return "source";
}

/** What the patch shows a file to be, where that is more than its name says. */
export function classifyDiffFile(file: DiffFile): FileKind {
  const byPath = classifyPath(file.path);
  if (byPath !== "source") return byPath;
  if (file.binary) return "binary";
  if (file.submodule) return "vendored";
  if (hasGeneratedMarker(file)) return "generated";
  return "source";
}

/** `// Code generated … DO NOT EDIT.` (Go), `@generated` (Meta, Relay): in the first lines of a file's first hunk. */
function hasGeneratedMarker(file: DiffFile): boolean {
  const first = file.hunks[0];
  if (!first || !/^@@ -[01](,\d+)? \+[01](,\d+)? @@/.test(first)) return false;
  const head = first.split("\n").slice(1, 12).join("\n");
  return /Code generated .*DO NOT EDIT|@generated\b/.test(head);
}

/** The skip reason a set of file kinds implies, or undefined when some real source changed. */
export function reasonForKinds(kinds: FileKind[]): SkipReason | undefined {
  if (kinds.length === 0) return "empty";
  if (kinds.includes("source")) return undefined;
  if (kinds.every((k) => k === "binary")) return "binary-only";
  if (kinds.every((k) => k === "lockfile")) return "lockfile-only";
  if (kinds.includes("vendored")) return "vendored";
  return "generated";
}

const SECRETS: [name: string, pattern: RegExp][] = [
  ["private key", /-----BEGIN ((RSA|DSA|EC|OPENSSH|PGP|ENCRYPTED) )?PRIVATE KEY( BLOCK)?-----/],
  ["AWS access key", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
  ["AWS secret key", /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}\b/i],
  ["GitHub token", /\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,})\b/],
  ["GitLab token", /\bglpat-[A-Za-z0-9_-]{20}\b/],
  ["Slack token", /\bxox[abprs]-[A-Za-z0-9]{10,}-[A-Za-z0-9-]{10,}/],
  ["Slack webhook", /hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/],
  ["Google API key", /\bAIza[0-9A-Za-z_-]{35}\b/],
  ["Stripe key", /\b[rs]k_live_[0-9a-zA-Z]{24,}\b/],
  ["Anthropic key", /\bsk-ant-[A-Za-z0-9_-]{32,}/],
  ["OpenAI key", /\bsk-(proj-)?[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}|\bsk-proj-[A-Za-z0-9_-]{40,}/],
  ["npm token", /\bnpm_[A-Za-z0-9]{36}\b/],
  ["PyPI token", /\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}/],
];

/** The kind of credential the diff seems to hold (its name, never its value), or undefined. */
export function findSecret(diff: string): string | undefined {
  return SECRETS.find(([, pattern]) => pattern.test(diff))?.[0];
}

const VERSION_FILE =
  /(^|\/)(package\.json|Cargo\.toml|pyproject\.toml|setup\.py|setup\.cfg|version\.(py|txt|go|ts|js)|_version\.py|__init__\.py|VERSION|gradle\.properties|pom\.xml|build\.gradle(\.kts)?|Chart\.yaml|lerna\.json|composer\.json|mix\.exs|[^/]+\.gemspec|[^/]+\.podspec)$/;
const CHANGELOG = /(^|\/)(CHANGELOG|CHANGES|HISTORY|RELEASES?)(\.[a-z]+)?$/i;
/**
 * The package's own version key at the start of a line (`"version": "1.2.3"`,
 * `version = "1.2.3"`, `__version__ = …`), or a line that is only a version
 * (VERSION files). A dependency's version (`tao = { version = "0.28" }`) is
 * not one: updating a dependency is work worth learning from.
 */
const VERSION_LINE = /^[-+]\s*("version"\s*:|version\s*[:=]|__version__\s*=|VERSION\s*=)|^[-+]\s*v?\d+\.\d+(\.\d+)?\S*\s*$/;

/** Only version strings changed (plus changelogs and lockfiles): a release by another name. */
export function isVersionBumpOnly(files: DiffFile[]): boolean {
  const manifests = files.filter((f) => !CHANGELOG.test(f.path) && classifyPath(f.path) !== "lockfile");
  if (manifests.length === 0 || !manifests.every((f) => VERSION_FILE.test(f.path))) return false;
  return manifests.every((f) =>
    f.hunks.every((hunk) =>
      hunk
        .split("\n")
        .slice(1)
        .filter((line) => line.startsWith("+") || line.startsWith("-"))
        .every((line) => VERSION_LINE.test(line)),
    ),
  );
}
