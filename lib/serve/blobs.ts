/**
 * Moving model files into Ollama's blob store: what to upload (one GGUF, or
 * the files of a merged safetensors folder, as `ollama create` picks them),
 * their sha256 digests, and the upload itself — `HEAD` then
 * `POST /api/blobs/sha256:<hex>`, streamed from disk. ollama-js 0.6.4 has no
 * call for it (its `create` refuses a local path), so this speaks HTTP itself.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { RunbookError } from "../core/errors.js";

export interface ModelFile {
  /** The name Ollama sees in `files`: the GGUF's file name, or the path inside the merged folder. */
  name: string;
  path: string;
  size: number;
}

export interface DigestedFile extends ModelFile {
  digest: string;
}

/** What `ollama create` uploads for a folder (parser.filesForModel): weights, every JSON, a SentencePiece model. */
const FOLDER_FILES = [/\.safetensors$/, /\.json$/, /^tokenizer\.model$/];

export async function modelFiles(artifact: string): Promise<ModelFile[]> {
  const info = await stat(artifact);
  if (info.isFile()) return [{ name: basename(artifact), path: artifact, size: info.size }];
  const names = (await readdir(artifact)).filter((n) => FOLDER_FILES.some((p) => p.test(n))).sort();
  if (!names.some((n) => n.endsWith(".safetensors"))) {
    throw new RunbookError(`${artifact} holds no .safetensors weights.`, "Re-run 06-export with --force.");
  }
  return Promise.all(names.map(async (name) => ({ name, path: join(artifact, name), size: (await stat(join(artifact, name))).size })));
}

/** `sha256:<hex>` of a file, read as a stream; `onBytes` gets each chunk's length (for a progress bar). */
export async function sha256File(path: string, onBytes?: (n: number) => void): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return `sha256:${hash.digest("hex")}`;
}

/** The base URL the ollama client would use for OLLAMA_HOST (`host:port`, `:port` or a URL; default port 11434). */
export function ollamaBaseUrl(host: string): string {
  let value = host.startsWith(":") ? `http://127.0.0.1${host}` : host;
  const explicit = value.includes("://");
  if (!explicit) value = `http://${value}`;
  const url = new URL(value);
  if (!url.port && !explicit) url.port = "11434";
  return url.toString().replace(/\/$/, "");
}

async function* countedChunks(path: string, onBytes: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    onBytes((chunk as Buffer).length);
    yield chunk as Buffer;
  }
}

/**
 * Uploads one file unless Ollama already has a blob with its digest.
 * Ollama checks the digest of what it receives and answers 400 on a mismatch.
 */
export async function uploadBlob(
  baseUrl: string,
  file: DigestedFile,
  options: { onBytes?: (n: number) => void; signal?: AbortSignal } = {},
): Promise<"present" | "uploaded"> {
  const url = `${baseUrl}/api/blobs/${file.digest}`;
  const head = await fetch(url, { method: "HEAD", signal: options.signal });
  if (head.ok) {
    options.onBytes?.(file.size);
    return "present";
  }
  const response = await fetch(url, {
    method: "POST",
    body: countedChunks(file.path, options.onBytes ?? (() => {})),
    duplex: "half",
    signal: options.signal,
  } as RequestInit);
  if (!response.ok) {
    const detail = (await response.text()).trim();
    throw new RunbookError(
      `Uploading ${file.name} to ${new URL(baseUrl).host} failed with HTTP ${response.status}${detail ? `: ${detail}` : ""}.`,
      "Check that OLLAMA_HOST points at a running Ollama with enough disk, then re-run 07-import.",
    );
  }
  return "uploaded";
}
