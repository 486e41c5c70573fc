// A fake Ollama server for tests: the real `ollama` client is pointed at it
// (`new Ollama({ host: fake.url })`). Generation replies are scripted; model
// management (blobs, create, show, tags) keeps real state in memory.
import type { ServerResponse } from "node:http";
import type { ChatRequest, GenerateRequest, ToolCall } from "ollama";
import { sendJson, sendRaw, sleep, startServer, streamNdjson, type FakeServer, type RecordedRequest } from "./http.ts";
import {
  handleBlob,
  handleCreate,
  normalizeModelName,
  notFound,
  sha256Digest,
  showResponse,
  tagsResponse,
  type FakeOllamaModel,
} from "./ollama-models.ts";

export { normalizeModelName, sha256Digest, type FakeOllamaModel } from "./ollama-models.ts";

export type OllamaGenerationRequest =
  | { endpoint: "generate"; body: GenerateRequest; index: number }
  | { endpoint: "chat"; body: ChatRequest; index: number };

export type OllamaFault =
  | { kind: "server_error"; message?: string } // 500 {"error"}
  | { kind: "not_found" } // 404 {"error":"model 'x' not found"}
  | { kind: "malformed" } // 200 with a body (or stream line) that is not JSON
  | { kind: "stream_error"; message?: string } // streaming: 200, some chunks, then an {"error"} line
  | { kind: "status"; status: number; error: string };

export interface OllamaReply {
  text?: string;
  /** Serialized as the text: what a `format` (JSON schema) request gets back. */
  json?: unknown;
  /** Stream pieces; default splits the text at word boundaries. */
  chunks?: string[];
  thinking?: string;
  toolCalls?: ToolCall[];
  doneReason?: string;
  evalCount?: number;
  promptEvalCount?: number;
  /** Default: 20 ms a token, i.e. 50 tokens/s. */
  evalDurationNs?: number;
  delayMs?: number;
  /** Pause between streamed lines. */
  chunkDelayMs?: number;
  fault?: OllamaFault;
}

/** `index` counts generate and chat calls from 0. */
export type OllamaRespond = (request: OllamaGenerationRequest) => string | OllamaReply | Promise<string | OllamaReply>;

export interface FakeOllamaOptions {
  /** Installed models; generate/chat/show on any other name answer 404 as ollama does. */
  models?: Array<string | FakeOllamaModel>;
  /** Default: every generation is "ok". */
  respond?: OllamaRespond;
  latencyMs?: number;
  version?: string;
}

export interface FakeOllama extends FakeServer {
  /** Installed and created models, by normalized name ("x" → "x:latest"). */
  models: Map<string, FakeOllamaModel>;
  /** Uploaded blobs by "sha256:<hex>". */
  blobs: Map<string, Buffer>;
  /** Stores a blob as if uploaded; returns its digest. */
  addBlob(data: Buffer | string): string;
  /** POST /api/generate and /api/chat requests only. */
  generationRequests(): RecordedRequest[];
}

const approxTokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));
// Splits before each word that follows whitespace, so the pieces join back to the exact text.
const splitWords = (text: string) => text.split(/(?<=\s)(?=\S)/).filter((p) => p !== "");

/** All the text a generation request carries (system + prompt, or every chat message), to tell which case it is. */
export function promptOf(r: OllamaGenerationRequest): string {
  if (r.endpoint === "generate") return `${r.body.system ?? ""}${r.body.prompt ?? ""}`;
  return (r.body.messages ?? []).map((m) => m.content).join("\n");
}

function sendFault(res: ServerResponse, fault: OllamaFault, model: string, stream: boolean): Promise<void> | void {
  switch (fault.kind) {
    case "server_error":
      return sendJson(res, 500, { error: fault.message ?? "llama runner process has terminated: exit status 2" });
    case "not_found":
      return sendJson(res, 404, notFound(model));
    case "status":
      return sendJson(res, fault.status, { error: fault.error });
    case "malformed":
      return stream
        ? streamNdjson(res, ['{"model":"' + model + '","response":"tr'])
        : sendRaw(res, 200, "application/json; charset=utf-8", '{"model":"' + model + '","response":"tr');
    case "stream_error": {
      const error = fault.message ?? "an error was encountered while running the model";
      // Non-streaming requests see the same failure as a status, the way ollama's waitForStream reports it.
      if (!stream) return sendJson(res, 500, { error });
      return streamNdjson(res, [{ model, created_at: new Date().toISOString(), response: "partial", done: false }, { error }]);
    }
  }
}

async function generate(res: ServerResponse, request: OllamaGenerationRequest, reply: OllamaReply, started: bigint) {
  const { body } = request;
  const stream = body.stream !== false; // ollama streams unless told not to; the JS client always sends the flag
  if (reply.fault) return sendFault(res, reply.fault, body.model, stream);
  const text = reply.text ?? (reply.json !== undefined ? JSON.stringify(reply.json) : "");
  const pieces = reply.chunks ?? splitWords(text);
  const evalCount = reply.evalCount ?? Math.max(1, pieces.length);
  const promptEvalCount = reply.promptEvalCount ?? approxTokens(promptOf(request));
  const evalDuration = reply.evalDurationNs ?? evalCount * 20_000_000;
  const base = () => ({ model: body.model, created_at: new Date().toISOString() });
  const isGenerate = request.endpoint === "generate";
  const final = () => {
    const promptEvalDuration = promptEvalCount * 1_000_000;
    const loadDuration = 1_000_000;
    const elapsed = Number(process.hrtime.bigint() - started);
    return {
      done: true,
      done_reason: reply.doneReason ?? "stop",
      ...(isGenerate && !(body as GenerateRequest).raw ? { context: [1, 2, 3] } : {}),
      total_duration: Math.max(elapsed, loadDuration + promptEvalDuration + evalDuration),
      load_duration: loadDuration,
      prompt_eval_count: promptEvalCount,
      prompt_eval_duration: promptEvalDuration,
      eval_count: evalCount,
      eval_duration: evalDuration,
    };
  };
  const message = (content: string, last: boolean) => ({
    role: "assistant",
    content,
    ...(last && reply.thinking !== undefined ? { thinking: reply.thinking } : {}),
    ...(last && reply.toolCalls ? { tool_calls: reply.toolCalls } : {}),
  });
  if (!stream) {
    const thinking = reply.thinking !== undefined ? { thinking: reply.thinking } : {};
    const payload = isGenerate ? { response: text, ...thinking } : { message: message(text, true) };
    return sendJson(res, 200, { ...base(), ...payload, ...final() });
  }
  const piece = (p: string, last: boolean) => (isGenerate ? { response: p } : { message: message(p, last) });
  const lines: unknown[] = pieces.map((p) => ({ ...base(), ...piece(p, false), done: false }));
  lines.push({ ...base(), ...piece("", true), ...final() });
  await streamNdjson(res, lines, { delayMs: reply.chunkDelayMs ?? 0 });
}

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const models = new Map<string, FakeOllamaModel>();
  for (const m of options.models ?? []) {
    const model = typeof m === "string" ? { name: m } : m;
    models.set(normalizeModelName(model.name), model);
  }
  const blobs = new Map<string, Buffer>();
  const respond: OllamaRespond = options.respond ?? (() => "ok");
  let index = 0;

  const server = await startServer(async (req, res) => {
    const started = process.hrtime.bigint();
    const route = `${req.method} ${req.path}`;
    const blob = /^\/api\/blobs\/([^/]+)$/.exec(req.path);
    if (blob && (req.method === "HEAD" || req.method === "POST")) return handleBlob(req, res, blobs, blob[1]!);
    if (route === "GET /api/version") return sendJson(res, 200, { version: options.version ?? "0.13.0" });
    if (route === "GET /api/tags") return sendJson(res, 200, tagsResponse(models.values()));
    if (route === "POST /api/create") return handleCreate(req, res, models, blobs);
    if (route === "POST /api/show") {
      const body = req.body as { model?: string; name?: string } | undefined;
      const name = body?.model ?? body?.name ?? ""; // `name` is the field's pre-0.5 spelling
      const model = models.get(normalizeModelName(name));
      return model ? sendJson(res, 200, showResponse(model)) : sendJson(res, 404, notFound(name));
    }
    if (route === "POST /api/generate" || route === "POST /api/chat") {
      const body = req.body as (GenerateRequest & ChatRequest) | undefined;
      if (!body) return sendJson(res, 400, { error: "missing request body" });
      if (!body.model) return sendJson(res, 400, { error: "model is required" });
      if (!models.has(normalizeModelName(body.model))) return sendJson(res, 404, notFound(body.model));
      const endpoint = route === "POST /api/generate" ? "generate" : "chat";
      const request = { endpoint, body, index: index++ } as OllamaGenerationRequest;
      const raw = await respond(request);
      const reply = typeof raw === "string" ? { text: raw } : raw;
      const delay = (options.latencyMs ?? 0) + (reply.delayMs ?? 0);
      if (delay > 0) await sleep(delay);
      return generate(res, request, reply, started);
    }
    sendRaw(res, 404, "text/plain", "404 page not found");
  });

  // The server object keeps its live getters (inFlight, maxInFlight); the protocol parts are added to it.
  return Object.assign(server, {
    models,
    blobs,
    addBlob(data: Buffer | string): string {
      const digest = sha256Digest(data);
      blobs.set(digest, Buffer.isBuffer(data) ? data : Buffer.from(data));
      return digest;
    },
    generationRequests: () =>
      server.requests.filter((r) => r.method === "POST" && (r.path === "/api/generate" || r.path === "/api/chat")),
  });
}
