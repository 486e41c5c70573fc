/**
 * Reads the header of a GGUF file (github.com/ggml-org/ggml/blob/master/docs/gguf.md):
 * magic, version, counts, every metadata key/value and the tensor infos —
 * never the tensor data, so a 1 GB model is checked in milliseconds. The
 * tensor infos give the size the file must have, which catches a file cut
 * short after its header (an interrupted export or copy).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { RunbookError } from "../core/errors.js";
import { GGML_TYPES, GGUF_SCALAR_SIZES, GGUF_VALUE_TYPES as T, quantizationName } from "./gguf-types.js";

export type GgufValue = number | bigint | boolean | string | GgufValue[];

export interface GgufTensorInfo {
  name: string;
  dims: number[];
  type: string;
  offset: number;
  /** Undefined for a tensor type whose block size we do not know. */
  bytes?: number;
}

export interface GgufHeader {
  file: string;
  version: number;
  tensorCount: number;
  metadataCount: number;
  metadata: Record<string, GgufValue>;
  architecture?: string;
  /** From `general.file_type`, e.g. `Q4_K_M`. */
  quantization?: string;
  tensors: GgufTensorInfo[];
  /** Where tensor data starts, and the size the tensor infos say the file has. */
  dataOffset: number;
  expectedSize: number;
  sizeBytes: number;
}

export class GgufError extends RunbookError {}

const HINT = "Re-run 06-export with --force to write the file again.";
const MAGIC = "GGUF";
const CHUNK = 1 << 20;

/** A forward-only reader over the file in 1 MB chunks; every read names what it was reading when the file ends. */
function openCursor(file: string) {
  const fd = openSync(file, "r");
  const size = fstatSync(fd).size;
  let chunk = Buffer.alloc(0);
  let chunkStart = 0;
  let position = 0;
  const take = (n: number, what: string): Buffer => {
    if (position + n > size) {
      throw new GgufError(`${file} is truncated: it ends at byte ${size} while reading ${what} (byte ${position}, ${n} bytes needed).`, HINT);
    }
    if (position + n > chunkStart + chunk.length) {
      chunk = Buffer.alloc(Math.max(n, Math.min(CHUNK, size - position)));
      readSync(fd, chunk, 0, chunk.length, position);
      chunkStart = position;
    }
    const slice = chunk.subarray(position - chunkStart, position - chunkStart + n);
    position += n;
    return slice;
  };
  const u64 = (what: string): number => {
    const value = take(8, what).readBigUInt64LE();
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError(`${file}: ${what} is ${value}, not a plausible value.`, HINT);
    return Number(value);
  };
  return {
    size,
    position: () => position,
    close: () => closeSync(fd),
    take,
    u32: (what: string) => take(4, what).readUInt32LE(),
    u64,
    string: (what: string) => take(u64(`the length of ${what}`), what).toString("utf8"),
    remaining: () => size - position,
  };
}

type Cursor = ReturnType<typeof openCursor>;

function readScalar(cursor: Cursor, type: number, what: string): GgufValue {
  const bytes = cursor.take(GGUF_SCALAR_SIZES[type]!, what);
  switch (type) {
    case T.UINT8: return bytes.readUInt8();
    case T.INT8: return bytes.readInt8();
    case T.UINT16: return bytes.readUInt16LE();
    case T.INT16: return bytes.readInt16LE();
    case T.UINT32: return bytes.readUInt32LE();
    case T.INT32: return bytes.readInt32LE();
    case T.FLOAT32: return bytes.readFloatLE();
    case T.BOOL: return bytes.readUInt8() !== 0;
    case T.FLOAT64: return bytes.readDoubleLE();
    case T.UINT64: return safeNumber(bytes.readBigUInt64LE());
    default: return safeNumber(bytes.readBigInt64LE());
  }
}

const safeNumber = (value: bigint): number | bigint =>
  value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;

function readValue(cursor: Cursor, file: string, type: number, what: string): GgufValue {
  if (type === T.STRING) return cursor.string(what);
  if (type in GGUF_SCALAR_SIZES) return readScalar(cursor, type, what);
  if (type !== T.ARRAY) throw new GgufError(`${file}: unknown metadata value type ${type} in ${what}.`, HINT);
  const itemType = cursor.u32(`the item type of ${what}`);
  const length = cursor.u64(`the length of ${what}`);
  // Each item takes at least one byte (eight for a string's length): a length past the end is a cut file, not an allocation.
  const minItem = itemType === T.STRING || itemType === T.ARRAY ? 8 : (GGUF_SCALAR_SIZES[itemType] ?? 1);
  if (length * minItem > cursor.remaining()) {
    throw new GgufError(`${file} is truncated: ${what} claims ${length} items but only ${cursor.remaining()} bytes remain.`, HINT);
  }
  return Array.from({ length }, (_, i) => readValue(cursor, file, itemType, `${what}[${i}]`));
}

function readTensorInfo(cursor: Cursor, index: number): GgufTensorInfo {
  const name = cursor.string(`the name of tensor ${index}`);
  const nDims = cursor.u32(`the rank of tensor ${name}`);
  const dims = Array.from({ length: nDims }, (_, d) => cursor.u64(`dimension ${d} of tensor ${name}`));
  const typeId = cursor.u32(`the type of tensor ${name}`);
  const offset = cursor.u64(`the offset of tensor ${name}`);
  const type = GGML_TYPES[typeId];
  const elements = dims.reduce((a, b) => a * b, 1);
  const bytes = type ? Math.ceil(elements / type.blockElements) * type.blockBytes : undefined;
  return { name, dims, type: type?.name ?? `type ${typeId}`, offset, bytes };
}

/** Parses the header; throws GgufError naming the file for a wrong magic, an unsupported version or a cut file. */
export function readGgufHeader(file: string): GgufHeader {
  const cursor = openCursor(file);
  try {
    if (cursor.size < MAGIC.length) cursor.take(MAGIC.length, "the magic"); // names the file as truncated (or empty)
    const magic = cursor.take(MAGIC.length, "the magic").toString("latin1");
    if (magic !== MAGIC) {
      const shown = JSON.stringify(magic);
      const lfs = magic === "vers" ? " (it looks like a Git LFS pointer, not the model)" : "";
      throw new GgufError(`${file} is not a GGUF file: it starts with ${shown} instead of "GGUF"${lfs}.`, HINT);
    }
    const version = cursor.u32("the version");
    if (version !== 2 && version !== 3) {
      throw new GgufError(`${file} is GGUF version ${version}; this reader supports versions 2 and 3.`, "Re-export with a current llama.cpp or Unsloth.");
    }
    const tensorCount = cursor.u64("the tensor count");
    const metadataCount = cursor.u64("the metadata count");
    const metadata: Record<string, GgufValue> = {};
    for (let i = 0; i < metadataCount; i++) {
      const key = cursor.string(`metadata key ${i}`);
      metadata[key] = readValue(cursor, file, cursor.u32(`the type of ${key}`), key);
    }
    const tensors = Array.from({ length: tensorCount }, (_, i) => readTensorInfo(cursor, i));
    const alignment = typeof metadata["general.alignment"] === "number" ? metadata["general.alignment"] : 32;
    const dataOffset = Math.ceil(cursor.position() / alignment) * alignment;
    const expectedSize = tensors.reduce((end, t) => Math.max(end, dataOffset + t.offset + (t.bytes ?? 0)), dataOffset);
    if (expectedSize > cursor.size) {
      throw new GgufError(`${file} is truncated: its tensors end at byte ${expectedSize} but the file has ${cursor.size} bytes.`, HINT);
    }
    const architecture = metadata["general.architecture"];
    const fileType = metadata["general.file_type"];
    return {
      file,
      version,
      tensorCount,
      metadataCount,
      metadata,
      architecture: typeof architecture === "string" ? architecture : undefined,
      quantization: quantizationName(typeof fileType === "number" ? fileType : undefined),
      tensors,
      dataOffset,
      expectedSize,
      sizeBytes: cursor.size,
    };
  } finally {
    cursor.close();
  }
}

/** How many tensors of each type, largest group first: `Q4_K ×168, F32 ×141, Q6_K ×29`. */
export function tensorTypeCounts(header: GgufHeader): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const t of header.tensors) counts.set(t.type, (counts.get(t.type) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** The EOS token's text, from the embedded vocabulary (what the Modelfile's stop list must contain). */
export function eosTokenOf(header: GgufHeader): string | undefined {
  const id = header.metadata["tokenizer.ggml.eos_token_id"];
  const tokens = header.metadata["tokenizer.ggml.tokens"];
  if (typeof id !== "number" || !Array.isArray(tokens)) return undefined;
  const token = tokens[id];
  return typeof token === "string" ? token : undefined;
}
