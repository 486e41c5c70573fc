import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import { ConfigError } from "./errors.js";
import { pathExists } from "./files.js";

/** Picked up from the project folder when no --config is given, so that every run sees the same parameters. */
export const DEFAULT_CONFIG_FILE = "joco.config.json";

export interface LoadedConfig<T> {
  config: T;
  /** The file merged over the defaults, if any. */
  file: string | undefined;
}

/**
 * Defaults come from the schema itself (every section is `prefault({})`), so
 * parsing the user's JSON with it is the deep merge: objects merge key by key,
 * arrays (the repository list) replace. Unknown keys and wrong types are all
 * collected, each named by its key path.
 */
export async function loadConfig<S extends z.ZodType>(
  schema: S,
  options: { root: string; file?: string },
): Promise<LoadedConfig<z.output<S>>> {
  const file = await resolveConfigFile(options.root, options.file);
  const user = file ? await readJsonFile(file) : {};
  const parsed = schema.safeParse(user);
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.map(describeIssue));
  return { config: parsed.data, file };
}

async function resolveConfigFile(root: string, explicit: string | undefined): Promise<string | undefined> {
  if (explicit) {
    const file = resolve(explicit);
    if (!(await pathExists(file))) throw new ConfigError(file, [`--config ${explicit}: no such file`]);
    return file;
  }
  const fallback = resolve(root, DEFAULT_CONFIG_FILE);
  return (await pathExists(fallback)) ? fallback : undefined;
}

async function readJsonFile(file: string): Promise<unknown> {
  const text = await readFile(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [describeJsonError(text, error as Error)]);
  }
}

function describeJsonError(text: string, error: Error): string {
  const position = /position (\d+)/.exec(error.message);
  if (!position) return `not valid JSON: ${error.message}`;
  const before = text.slice(0, Number(position[1]));
  const line = before.split("\n").length;
  const column = before.length - before.lastIndexOf("\n");
  return `line ${line}, column ${column}: not valid JSON (${error.message})`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${path ? `${path}.` : ""}${key}: unknown key`).join("\n  - ");
  }
  return `${path || "(root)"}: ${issue.message.replace(/^Invalid input: /, "")}`;
}

/** A config section whose own defaults fill in when the user gives none of its keys (prefault, not default). */
export const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape).prefault({} as z.input<z.ZodObject<T, z.core.$strict>>);
