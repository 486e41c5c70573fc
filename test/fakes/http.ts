// A minimal HTTP server for protocol-level fakes: the real SDKs talk to it
// over a socket, so what a test observes is what the wire carries.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/messages`. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names, as node:http gives them. */
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The body parsed as JSON when it parses (any content type); otherwise undefined. */
  body: unknown;
  /** Date.now() when the request arrived; lets tests measure retry gaps. */
  at: number;
}

export type Handler = (req: RecordedRequest, res: ServerResponse, incoming: IncomingMessage) => Promise<void> | void;

export interface FakeServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests currently being handled (live value). */
  readonly inFlight: number;
  /** Highest number of requests handled at once since start (live value). */
  readonly maxInFlight: number;
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  return JSON.parse((await readBody(req)).toString("utf8"));
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Sends a raw body verbatim, for malformed-answer faults. */
export function sendRaw(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, { "content-type": contentType, "content-length": String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Writes one JSON object per line, flushing each, as Ollama streams. */
export async function streamNdjson(
  res: ServerResponse,
  lines: Iterable<unknown> | AsyncIterable<unknown>,
  opts: { status?: number; delayMs?: number; contentType?: string } = {},
): Promise<void> {
  res.writeHead(opts.status ?? 200, { "content-type": opts.contentType ?? "application/x-ndjson" });
  for await (const line of lines) {
    if (res.destroyed) return; // the client gave up (abort); stop quietly
    res.write(typeof line === "string" ? `${line}\n` : `${JSON.stringify(line)}\n`);
    if (opts.delayMs) await sleep(opts.delayMs);
  }
  res.end();
}

// Parsed whatever the declared content type: ollama's server (gin) binds JSON
// from a text/plain or form-encoded body too, and curl sends the latter.
function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined; // the raw bytes stay recorded for tests of malformed requests
  }
}

export async function startServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let inFlight = 0;
  let maxInFlight = 0;

  const server = createServer((incoming, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // 'close' fires on finish and on client abort alike, so the count never leaks.
    res.once("close", () => {
      inFlight -= 1;
    });
    void (async () => {
      const at = Date.now();
      const raw = await readBody(incoming);
      const url = new URL(incoming.url ?? "/", "http://fake.invalid");
      const record: RecordedRequest = {
        method: incoming.method ?? "GET",
        path: url.pathname,
        query: url.searchParams,
        headers: incoming.headers,
        raw,
        body: parseJsonBody(raw),
        at,
      };
      requests.push(record);
      await handler(record, res, incoming);
    })().catch((err: unknown) => {
      // A bug in a fake (or a throwing respond callback) must surface in the test, not
      // hang it; x-should-retry stops the Anthropic SDK from retrying it into a slow pass.
      if (!res.headersSent) sendJson(res, 500, { error: `fake server error: ${String(err)}` }, { "x-should-retry": "false" });
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Keep-alive sockets of the SDKs' fetch would otherwise hold close() open.
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
