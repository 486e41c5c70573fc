import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderModelfile, serveSpec, trainingTemplate, ollamaQuantizeName } from "../../lib/serve/modelfile.ts";
import { TemplateError, renderGeneratePrompt, renderTemplate } from "../../lib/serve/template.ts";
import { TRAINING_INSTRUCTION, renderPrompt } from "../../lib/conventional/prompt.ts";
import type { Curated } from "../../lib/core/records.ts";
import { REPO_ROOT } from "../helpers/process.ts";

// A validation example as 04-curate writes it, with what tends to break templating:
// template syntax, the frame's own headers, backticks, non-ASCII, CRLF and trailing blanks.
const EXAMPLE: Curated = {
  instruction: TRAINING_INSTRUCTION,
  input: [
    " src/render.ts | 4 ++--",
    "diff --git a/src/render.ts b/src/render.ts",
    "@@ -1,4 +1,4 @@",
    "-const tpl = `{{ .Prompt }}`;",
    "+const tpl = `{{- .System -}} ### Response:\\n`; // naïve → ✓",
    "   return tpl;\r",
    "   ",
  ].join("\n"),
  output: "fix(render): keep template markers literal",
  metadata: { id: "vuejs-core:abc123", repository: "vuejs-core", commitHash: "abc123", type: "fix", scope: "render" },
};
const CONFIG = { temperature: 0.7, topP: 0.9, numCtx: 4096, numPredict: 128, stop: ["### Instruction:", "### Input:"] };

/** python/prompting.py's training text for the example, and the same text without the response and EOS. */
function pythonTrainingText(example: Curated, eos: string): { full: string; prompt: string } {
  const script = [
    "import json, sys",
    "from prompting import format_prompt, render_prompt",
    "example, eos = json.load(sys.stdin)",
    "full = format_prompt(example, eos)",
    "assert full.endswith(example['output'] + eos)",
    "sys.stdout.write(json.dumps({'full': full, 'prompt': full[: len(full) - len(example['output'] + eos)],",
    "                             'render_prompt': render_prompt(example['instruction'], example['input'])}))",
  ].join("\n");
  const result = spawnSync("python3", ["-c", script], { cwd: join(REPO_ROOT, "python"), input: JSON.stringify([example, eos]), encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  const out = JSON.parse(result.stdout) as { full: string; prompt: string; render_prompt: string };
  expect(out.render_prompt).toBe(out.prompt);
  return out;
}

/** The TEMPLATE exactly as Ollama's parser reads it back from the Modelfile text. */
const templateIn = (modelfile: string) => /^TEMPLATE """([\s\S]*?)"""$/m.exec(modelfile)?.[1];

describe("train/serve parity (DESIGN §7)", () => {
  it("the Modelfile TEMPLATE, rendered with Ollama's semantics for .Prompt/.System, equals python's training text minus the response, byte for byte", () => {
    const spec = serveSpec(TRAINING_INSTRUCTION, CONFIG, "<|endoftext|>");
    const template = templateIn(renderModelfile("./joco-gguf/joco.Q4_K_M.gguf", spec));
    expect(template).toBe(spec.template);

    const served = renderGeneratePrompt(template!, { prompt: EXAMPLE.input });
    const trained = pythonTrainingText(EXAMPLE, "<|endoftext|>");
    expect(Buffer.from(served, "utf8").equals(Buffer.from(trained.prompt, "utf8"))).toBe(true);
    expect(served + EXAMPLE.output + "<|endoftext|>").toBe(trained.full);
    // What 08 sends with raw: true is the same string.
    expect(renderPrompt(EXAMPLE.instruction, EXAMPLE.input)).toBe(served);
    // A client's system prompt (or none) cannot shift the frame: the template has no .System.
    expect(renderGeneratePrompt(template!, { prompt: EXAMPLE.input, system: "You are a poet." })).toBe(trained.prompt);
  });

  it("the Modelfile carries the sampling parameters, the frame's stop sequences and the EOS, and no SYSTEM", () => {
    const modelfile = renderModelfile("./joco-gguf/joco.Q4_K_M.gguf", serveSpec(TRAINING_INSTRUCTION, CONFIG, "<|im_end|>"));
    expect(modelfile).toContain("\nFROM ./joco-gguf/joco.Q4_K_M.gguf\n");
    expect(modelfile.split("\n").filter((l) => l.startsWith("PARAMETER"))).toEqual([
      "PARAMETER temperature 0.7",
      "PARAMETER top_p 0.9",
      "PARAMETER num_ctx 4096",
      "PARAMETER num_predict 128",
      'PARAMETER stop "### Instruction:"',
      'PARAMETER stop "### Input:"',
      'PARAMETER stop "<|im_end|>"',
    ]);
    expect(modelfile).not.toContain("SYSTEM");
    expect(trainingTemplate("Use {{ braces }}.")).toContain('Use {{ "{{" }} braces }}.');
    expect(renderTemplate(trainingTemplate("Use {{ braces }}."), { Prompt: "d" })).toBe(renderPrompt("Use {{ braces }}.", "d"));
  });

  it("maps quantization names to Ollama's and refuses one Ollama cannot produce", () => {
    expect(ollamaQuantizeName("q4_k_m")).toBe("q4_K_M");
    expect(ollamaQuantizeName("q8_0")).toBe("q8_0");
    expect(ollamaQuantizeName("f16")).toBeUndefined();
    expect(() => ollamaQuantizeName("q5_k_m")).toThrow(/cannot quantize to q5_k_m/);
  });
});

describe("renderGeneratePrompt (Ollama's template semantics)", () => {
  const ALPACA = "{{ if .System }}{{ .System }}\n\n{{ end }}{{ if .Prompt }}### Instruction:\n{{ .Prompt }}\n\n{{ end }}### Response:\n{{ .Response }}</s>";

  it("renders Ollama's own Alpaca template, uses the request's system over the model's, and cuts after .Response", () => {
    expect(renderGeneratePrompt(ALPACA, { prompt: "hi" })).toBe("### Instruction:\nhi\n\n### Response:\n");
    expect(renderGeneratePrompt(ALPACA, { prompt: "hi", modelSystem: "M" })).toBe("M\n\n### Instruction:\nhi\n\n### Response:\n");
    expect(renderGeneratePrompt(ALPACA, { prompt: "hi", system: "R", modelSystem: "M" })).toMatch(/^R\n\n/);
    expect(renderTemplate(ALPACA, { Prompt: "hi", Response: "ok" })).toBe("### Instruction:\nhi\n\n### Response:\nok</s>");
  });

  it("applies trim markers, else-if chains, literals and comments as Go does", () => {
    const template = '{{- /* c */ -}}\n  A {{- if .System }} S{{ else if .Prompt }} P{{ else }} N{{ end -}}  \n{{ "}}" }}{{ `x` }}';
    expect(renderTemplate(template, { Prompt: "p" })).toBe("A P}}x");
    expect(renderTemplate(template, {})).toBe("A N}}x");
    expect(renderGeneratePrompt("{{ if .Prompt }}{{ .Prompt }}{{ .Response }}TAIL{{ else }}E{{ end }}AFTER", { prompt: "q" })).toBe("q");
  });

  it("refuses what is not a prompt frame (a ChatML .Messages range) with TemplateError", () => {
    const chatml = "{{- range .Messages }}<|im_start|>{{ .Role }}\n{{ .Content }}<|im_end|>\n{{ end }}<|im_start|>assistant\n";
    expect(() => renderGeneratePrompt(chatml, { prompt: "x" })).toThrow(TemplateError);
    expect(() => renderTemplate("{{ if .Prompt }}x", {})).toThrow(/no \{\{ end \}\}/);
    expect(() => renderTemplate("{{ .Prompt", {})).toThrow(/unclosed action/);
  });
});
