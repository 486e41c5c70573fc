import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { buildTrainerConfig } from "../../lib/train/launcher.js";
import { TRAINER_EVENT_KINDS, TrainerEventSchema, parseTrainerLine } from "../../lib/train/events.js";
import { DEFAULT_CONFIG } from "../../runbook/00-config.js";
import { REPO_ROOT, tempDir } from "../helpers/process.js";

const run = promisify(execFile);
const PYTHON_DIR = join(REPO_ROOT, "python");

/** Runs Python code with python/ importable; `input` is passed on stdin. */
async function python(code: string, input?: string): Promise<string> {
  const child = run("python3", ["-c", code], { cwd: PYTHON_DIR });
  if (input !== undefined) child.child.stdin?.end(input);
  return (await child).stdout;
}

describe("the event protocol of python/train.py", () => {
  it("agrees with the launcher's zod schema: the same kinds, the same fields, the samples parse", async () => {
    const protocol = JSON.parse(
      await python("import json, train; print(json.dumps({'fields': train.EVENT_FIELDS, 'samples': train.sample_events()}))"),
    ) as { fields: Record<string, string[]>; samples: unknown[] };

    expect(Object.keys(protocol.fields)).toEqual(TRAINER_EVENT_KINDS);
    for (const option of TrainerEventSchema.options) {
      const kind = option.shape.event.value;
      expect(Object.keys(option.shape).filter((key) => key !== "event").sort(), kind).toEqual([...(protocol.fields[kind] ?? [])].sort());
    }
    for (const sample of protocol.samples) {
      const parsed = TrainerEventSchema.safeParse(sample);
      expect(parsed.success, `${JSON.stringify(sample)}: ${parsed.error?.message}`).toBe(true);
    }
    expect(new Set(protocol.samples.map((s) => (s as { event: string }).event))).toEqual(new Set(TRAINER_EVENT_KINDS));
  });

  it("sorts stdout lines into events, plain output and protocol breaks", () => {
    expect(parseTrainerLine('{"event": "checkpoint", "path": "outputs/checkpoint-50", "step": 50}')).toEqual({
      kind: "event",
      event: { event: "checkpoint", path: "outputs/checkpoint-50", step: 50 },
    });
    expect(parseTrainerLine("Unsloth: Will patch your computer").kind).toBe("output");
    expect(parseTrainerLine("{ not json").kind).toBe("output");
    const renamed = parseTrainerLine('{"event": "eval", "step": 50, "loss": 1.2}');
    expect(renamed.kind).toBe("invalid");
    expect(renamed.kind === "invalid" && renamed.problem).toMatch(/eval_loss/);
  });
});

describe("the trainer config written by the cell", () => {
  it("is accepted by python/train_config.py as written from the default configuration", async () => {
    const config = await buildTrainerConfig(DEFAULT_CONFIG, await tempDir());
    const code = "import json, sys; from train_config import parse_config; c = parse_config(json.load(sys.stdin)); print(json.dumps([c.lora.r, c.eval_steps, c.output_dir, c.max_steps]))";
    expect(JSON.parse(await python(code, JSON.stringify(config)))).toEqual([16, 50, "outputs", 0]);
    expect(config).toMatchObject({ trainFile: "dataset/train.jsonl", validationFile: "dataset/validation.jsonl", adapterDir: "joco-lora" });
    expect(config.datasetSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
