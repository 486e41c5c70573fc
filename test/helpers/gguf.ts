// Writes small GGUF files byte by byte from the spec (docs/gguf.md in ggml),
// independently of lib/export/gguf.ts, so that the parser is checked against the format
// and not against itself.
import { writeFile } from "node:fs/promises";

export type Meta = { type: "u32" | "u64" | "i32" | "f32" | "bool" | "string"; value: number | boolean | string } | { type: "array"; itemType: "string" | "i32"; value: Array<string | number> };

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s, "utf8")]);
const TYPE_IDS = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9, u64: 10 } as const;

function scalar(type: Exclude<Meta["type"], "array">, value: number | boolean | string): Buffer {
  switch (type) {
    case "u32":
      return u32(value as number);
    case "u64":
      return u64(value as number);
    case "i32": {
      const b = Buffer.alloc(4);
      b.writeInt32LE(value as number);
      return b;
    }
    case "f32": {
      const b = Buffer.alloc(4);
      b.writeFloatLE(value as number);
      return b;
    }
    case "bool":
      return Buffer.from([value ? 1 : 0]);
    case "string":
      return str(value as string);
  }
}

function metaValue(meta: Meta): Buffer {
  if (meta.type !== "array") return Buffer.concat([u32(TYPE_IDS[meta.type]), scalar(meta.type, meta.value)]);
  const items = meta.value.map((v) => scalar(meta.itemType, v));
  return Buffer.concat([u32(TYPE_IDS.array), u32(TYPE_IDS[meta.itemType]), u64(meta.value.length), ...items]);
}

export interface TestTensor {
  name: string;
  dims: number[];
  /** ggml type id: 0 F32, 1 F16, 8 Q8_0, 12 Q4_K, 14 Q6_K. */
  type: number;
  bytes: number;
}

/** A complete GGUF v3 file: header, metadata, tensor infos, padding to 32, then zeroed tensor data. */
export function buildGguf(options: { version?: number; metadata: Record<string, Meta>; tensors: TestTensor[] }): Buffer {
  const parts: Buffer[] = [Buffer.from("GGUF", "latin1"), u32(options.version ?? 3), u64(options.tensors.length)];
  parts.push(u64(Object.keys(options.metadata).length));
  for (const [key, meta] of Object.entries(options.metadata)) parts.push(str(key), metaValue(meta));
  let offset = 0;
  for (const t of options.tensors) {
    parts.push(str(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(t.type), u64(offset));
    offset += Math.ceil(t.bytes / 32) * 32;
  }
  const header = Buffer.concat(parts);
  const padding = Buffer.alloc((32 - (header.length % 32)) % 32);
  return Buffer.concat([header, padding, Buffer.alloc(offset)]);
}

/** A tiny Qwen2-looking model quantized Q4_K_M: two tensors, a five-token vocabulary with EOS at 4. */
export function tinyQwenGguf(): Buffer {
  return buildGguf({
    metadata: {
      "general.architecture": { type: "string", value: "qwen2" },
      "general.name": { type: "string", value: "joco test" },
      "general.file_type": { type: "u32", value: 15 },
      "qwen2.context_length": { type: "u32", value: 32768 },
      "tokenizer.ggml.tokens": { type: "array", itemType: "string", value: ["a", "b", "c", "<|im_end|>", "<|endoftext|>"] },
      "tokenizer.ggml.eos_token_id": { type: "u32", value: 4 },
      "tokenizer.chat_template": { type: "string", value: "{{ messages }}" },
    },
    tensors: [
      // 256 elements of Q4_K = one 144-byte block; 64 F32 = 256 bytes.
      { name: "blk.0.attn_q.weight", dims: [256, 1], type: 12, bytes: 144 },
      { name: "output_norm.weight", dims: [64], type: 0, bytes: 256 },
    ],
  });
}

export async function writeGguf(path: string, data: Buffer): Promise<string> {
  await writeFile(path, data);
  return path;
}
