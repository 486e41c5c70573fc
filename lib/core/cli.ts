import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { z } from "zod";
import { UsageError } from "./errors.js";

/** True when this module is the script node/tsx was started with, so a cell file both runs and imports. */
export function isMain(importMetaUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(importMetaUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}

/** Flags that every cell and run.ts accept. */
export interface RunbookFlags {
  config?: string;
  force: boolean;
  dryRun: boolean;
  help: boolean;
  from?: string;
  only?: string[];
}

export const RUNBOOK_FLAGS: { flag: string; description: string }[] = [
  { flag: "--config FILE", description: "JSON deep-merged over the defaults (default: joco.config.json if present)" },
  { flag: "--from NN", description: "start at cell NN (with a cell file: run NN … this cell)" },
  { flag: "--only NN", description: "run only cell NN (repeatable)" },
  { flag: "--force", description: "run selected cells even when done" },
  { flag: "--dry-run", description: "print what would run and why, change nothing" },
  { flag: "--help", description: "show this help" },
];

interface OptionField {
  name: string;
  flag: string;
  kind: "boolean" | "number" | "string" | "enum" | "array";
  values?: readonly string[];
  description: string;
  defaultValue: unknown;
}

/** Reads a zod object's fields the way a CLI needs them: kind, default, description. */
export function optionFields(schema: z.ZodObject): OptionField[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    let inner = field as z.ZodType;
    let defaultValue: unknown;
    const description = inner.description ?? "";
    for (;;) {
      const def = inner.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown };
      if (def.type === "default" || def.type === "prefault") defaultValue = def.defaultValue;
      if (!def.innerType) break;
      inner = def.innerType;
    }
    const type = inner.def.type;
    const kind =
      type === "boolean" ? "boolean" : type === "number" ? "number" : type === "enum" ? "enum" : type === "array" ? "array" : "string";
    const values = kind === "enum" ? (inner as z.ZodEnum).options.map(String) : undefined;
    return { name, flag: kebab(name), kind, values, description: inner.description ?? description, defaultValue };
  });
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** argv → runbook flags, the cell's typed options (validated by its schema) and positionals. */
export function parseCellArgv<T extends z.ZodObject>(
  schema: T,
  argv: string[],
): { flags: RunbookFlags; options: z.output<T>; args: string[] } {
  const fields = optionFields(schema);
  const spec: ParseArgsConfig["options"] = {
    config: { type: "string" },
    force: { type: "boolean" },
    "dry-run": { type: "boolean" },
    help: { type: "boolean", short: "h" },
    from: { type: "string" },
    only: { type: "string", multiple: true },
  };
  for (const field of fields) {
    spec[field.flag] = { type: field.kind === "boolean" ? "boolean" : "string", multiple: field.kind === "array" };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: spec, allowPositionals: true, allowNegative: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message, "Run with --help to see the options.");
  }
  const { values, positionals } = parsed;
  const raw: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.flag];
    if (value === undefined) continue;
    raw[field.name] = field.kind === "number" ? Number(value) : value;
  }
  const options = schema.safeParse(raw);
  if (!options.success) {
    const problems = options.error.issues.map((i) => `--${kebab(String(i.path[0] ?? ""))}: ${i.message}`);
    throw new UsageError(problems.join("\n"), "Run with --help to see the options.");
  }
  const flags: RunbookFlags = {
    config: values.config as string | undefined,
    force: values.force === true,
    dryRun: values["dry-run"] === true,
    help: values.help === true,
    from: values.from as string | undefined,
    only: values.only as string[] | undefined,
  };
  return { flags, options: options.data, args: positionals };
}

/** Help generated from the option schema, in the spirit of citty's `defineCommand`. */
export function formatOptionsHelp(schema: z.ZodObject): string[] {
  return optionFields(schema).map((field) => {
    const flag = field.kind === "boolean" ? `--${field.flag}` : `--${field.flag} ${field.values ? field.values.join("|") : field.kind.toUpperCase()}`;
    const fallback = field.defaultValue === undefined ? "" : ` (default: ${JSON.stringify(field.defaultValue)})`;
    return `  ${flag.padEnd(28)} ${field.description}${fallback}`;
  });
}
