import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineCell } from "../../lib/core/cell.js";
import { defineCommand } from "../../lib/core/command.js";
import { section } from "../../lib/core/config.js";
import { runCellMain, runbookMain, type Runbook } from "../../lib/core/runner.js";
import { tempDir } from "../helpers/process.js";

const ConfigSchema = z.strictObject({ greeting: section({ word: z.string().default("hello") }) });
type Config = z.output<typeof ConfigSchema>;

const seen: unknown[] = [];
const greetOptions = z.object({ name: z.string().describe("who to greet"), loud: z.boolean().default(false) });
const greet = defineCommand<Config, typeof greetOptions>({
  usage: "greet --name N",
  description: "greets someone",
  options: greetOptions,
  run: async ({ config, configFile, options, args, log }) => {
    seen.push({ word: config.greeting.word, configFile, options, args });
    log(`${config.greeting.word} ${options.name}`);
    return options.loud ? 3 : 0;
  },
});

const cell = defineCell({
  id: "01-noop",
  title: "Nothing",
  version: 1,
  dependsOn: [],
  options: z.object({}),
  reads: () => ({}),
  preconditions: [],
  outputs: z.object({}),
  run: async () => ({}),
  summarize: () => "",
  subcommands: {
    tally: { description: "counts its arguments", usage: "--tally A…", run: async ({ args, log }) => log(`tally ${args.length}`) },
  },
});

const runbook: Runbook = { cells: [cell], configSchema: ConfigSchema, commands: { greet } };

function captured() {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line = "") => void lines.push(String(line)));
  vi.spyOn(console, "error").mockImplementation((line = "") => void lines.push(String(line)));
  return lines;
}
afterEach(() => {
  vi.restoreAllMocks();
  seen.length = 0;
});

describe("commands a runbook registers", () => {
  it("run with their own parsed options, positionals, the loaded configuration and its file; the exit code is theirs", async () => {
    const file = join(await tempDir(), "mine.json");
    await writeFile(file, JSON.stringify({ greeting: { word: "ahoy" } }));
    const lines = captured();
    expect(await runbookMain(runbook, ["greet", "--name", "Ada", "extra", "--config", file, "--loud"])).toBe(3);
    expect(seen).toEqual([{ word: "ahoy", configFile: file, options: { name: "Ada", loud: true }, args: ["extra"] }]);
    expect(lines).toContain("ahoy Ada");
  });

  it("validate options by their schema, have --help of their own, and are listed in the runbook's help and errors", async () => {
    const lines = captured();
    expect(await runbookMain(runbook, ["greet"])).toBe(2);
    expect(lines.join("\n")).toMatch(/--name: .*Run with --help/s);
    expect(seen).toEqual([]);
    expect(await runbookMain(runbook, ["greet", "--help"])).toBe(0);
    expect(lines.join("\n")).toMatch(/Usage: npx tsx runbook\/run\.ts greet --name N[\s\S]*--name STRING +who to greet/);
    expect(await runbookMain(runbook, ["--help"])).toBe(0);
    expect(lines.join("\n")).toMatch(/greet --name N +greets someone/);
    expect(await runbookMain(runbook, ["wave"])).toBe(2);
    expect(lines.join("\n")).toContain("Commands: status, doctor, greet (or none to run).");
  });

  it("lets a cell's subcommand be written as a flag", async () => {
    const lines = captured();
    expect(await runCellMain(runbook, "01-noop", ["--tally", "a", "b"])).toBe(0);
    expect(await runCellMain(runbook, "01-noop", ["tally", "a"])).toBe(0);
    expect(lines).toEqual(["tally 2", "tally 1"]);
  });
});
