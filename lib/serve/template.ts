/**
 * Renders an Ollama TEMPLATE the way Ollama does for `/api/generate`
 * (ollama/template/template.go), for the subset of Go's text/template that
 * prompt-style templates use: text, `{{ .System }}` `{{ .Prompt }}`
 * `{{ .Response }}`, `{{ if }}/{{ else if }}/{{ else }}/{{ end }}`, string
 * literals, comments and the `{{-`/`-}}` trim markers. Anything else (a
 * `.Messages` range, functions) raises TemplateError: such a template is not
 * a training frame, which is what the callers need to know.
 */
import { RunbookError } from "../core/errors.js";

export class TemplateError extends RunbookError {}

const FIELDS = ["System", "Prompt", "Response"] as const;
type Field = (typeof FIELDS)[number];
export type TemplateValues = Record<Field, string>;

type Node =
  | { kind: "text"; text: string }
  | { kind: "field"; name: Field }
  | { kind: "literal"; text: string }
  | { kind: "if"; branches: Array<{ condition: Field; body: Node[] }>; otherwise: Node[] };

type Token = { kind: "text"; text: string } | { kind: "action"; body: string };

const SPACE = /[ \t\r\n]/;

/** Splits text from actions, applying trim markers; a `}}` inside a string literal or comment does not end an action. */
function tokenize(template: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let trimNext = false;
  while (i < template.length) {
    const open = template.indexOf("{{", i);
    let text = template.slice(i, open === -1 ? undefined : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, "");
    if (open === -1) {
      if (text) tokens.push({ kind: "text", text });
      break;
    }
    let j = open + 2;
    const trimLeft = template[j] === "-" && SPACE.test(template[j + 1] ?? "");
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, "");
    if (text) tokens.push({ kind: "text", text });
    while (j < template.length && !template.startsWith("}}", j)) {
      const quote = template[j];
      if (quote === '"' || quote === "`") {
        j += 1;
        while (j < template.length && template[j] !== quote) j += quote === '"' && template[j] === "\\" ? 2 : 1;
      } else if (template.startsWith("/*", j)) {
        j = template.indexOf("*/", j) === -1 ? template.length : template.indexOf("*/", j) + 1;
      }
      j += 1;
    }
    if (j >= template.length) throw new TemplateError(`unclosed action at character ${open} of the template`);
    let body = template.slice(open + 2 + (trimLeft ? 1 : 0), j);
    trimNext = /[ \t\r\n]-$/.test(body);
    if (trimNext) body = body.slice(0, -1);
    tokens.push({ kind: "action", body: body.trim() });
    i = j + 2;
  }
  return tokens;
}

function fieldOf(expression: string): Field {
  const name = /^\.([A-Za-z]+)$/.exec(expression)?.[1];
  if (!name || !(FIELDS as readonly string[]).includes(name)) {
    throw new TemplateError(`unsupported expression "${expression}" (only .System, .Prompt and .Response are rendered)`);
  }
  return name as Field;
}

function literalOf(body: string): string | undefined {
  if (body.startsWith("`") && body.endsWith("`") && body.length >= 2) return body.slice(1, -1);
  if (!body.startsWith('"')) return undefined;
  try {
    return JSON.parse(body) as string;
  } catch {
    throw new TemplateError(`unsupported string literal ${body}`);
  }
}

/** Builds the tree; `until` names the actions that close the current list. */
function parseNodes(tokens: Token[], state: { at: number }, inIf: boolean): { nodes: Node[]; closer?: string } {
  const nodes: Node[] = [];
  while (state.at < tokens.length) {
    const token = tokens[state.at++]!;
    if (token.kind === "text") {
      nodes.push(token);
      continue;
    }
    const body = token.body;
    if (body.startsWith("/*")) continue;
    if (body === "end" || body === "else" || body.startsWith("else if ")) {
      if (!inIf) throw new TemplateError(`unexpected {{ ${body} }}`);
      return { nodes, closer: body };
    }
    if (body.startsWith("if ")) {
      nodes.push(parseIf(tokens, state, fieldOf(body.slice(3).trim())));
      continue;
    }
    const literal = literalOf(body);
    nodes.push(literal !== undefined ? { kind: "literal", text: literal } : { kind: "field", name: fieldOf(body) });
  }
  if (inIf) throw new TemplateError("an {{ if }} has no {{ end }}");
  return { nodes };
}

function parseIf(tokens: Token[], state: { at: number }, first: Field): Node {
  const branches: Array<{ condition: Field; body: Node[] }> = [];
  let condition = first;
  for (;;) {
    const { nodes, closer } = parseNodes(tokens, state, true);
    branches.push({ condition, body: nodes });
    if (closer === "end") return { kind: "if", branches, otherwise: [] };
    if (closer === "else") {
      const rest = parseNodes(tokens, state, true);
      if (rest.closer !== "end") throw new TemplateError("{{ else }} must be followed by {{ end }}");
      return { kind: "if", branches, otherwise: rest.nodes };
    }
    condition = fieldOf(closer!.slice("else if ".length).trim());
  }
}

export function parseTemplate(template: string): Node[] {
  return parseNodes(tokenize(template), { at: 0 }, false).nodes;
}

/**
 * Ollama's deleteNode pass for generation: every node after the first
 * `.Response` field, in document order, is removed (the field itself stays and
 * renders empty); an `if` condition does not count, its branches do.
 */
function cutAfterResponse(nodes: Node[], state = { cut: false }): Node[] {
  const kept: Node[] = [];
  for (const node of nodes) {
    if (state.cut) continue;
    if (node.kind === "field" && node.name === "Response") state.cut = true;
    if (node.kind !== "if") {
      kept.push(node);
      continue;
    }
    const branches = node.branches.map((b) => ({ condition: b.condition, body: cutAfterResponse(b.body, state) }));
    kept.push({ kind: "if", branches, otherwise: cutAfterResponse(node.otherwise, state) });
  }
  return kept;
}

function execute(nodes: Node[], values: TemplateValues): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text" || node.kind === "literal") out += node.text;
    else if (node.kind === "field") out += values[node.name];
    else out += execute(node.branches.find((b) => values[b.condition] !== "")?.body ?? node.otherwise, values);
  }
  return out;
}

/** Plain text/template execution with these values. */
export function renderTemplate(template: string, values: Partial<TemplateValues>): string {
  return execute(parseTemplate(template), { System: "", Prompt: "", Response: "", ...values });
}

/**
 * The prompt Ollama builds for `/api/generate` without `raw`: the request's
 * `system`, else the model's SYSTEM, as `.System`; the request's prompt as
 * `.Prompt`; the template cut after `.Response`.
 */
export function renderGeneratePrompt(template: string, request: { prompt: string; system?: string; modelSystem?: string }): string {
  const system = request.system || request.modelSystem || "";
  return execute(cutAfterResponse(parseTemplate(template)), { System: system, Prompt: request.prompt, Response: "" });
}
