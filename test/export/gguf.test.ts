import { truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GgufError, eosTokenOf, readGgufHeader, tensorTypeCounts } from "../../lib/export/gguf.ts";
import { buildGguf, tinyQwenGguf, writeGguf } from "../helpers/gguf.ts";
import { tempDir } from "../helpers/process.ts";

describe("readGgufHeader", () => {
  it("parses a GGUF v3 file written byte by byte: version, counts, metadata, architecture, quantization, tensors", async () => {
    const file = await writeGguf(join(await tempDir(), "tiny.gguf"), tinyQwenGguf());
    const header = readGgufHeader(file);
    expect(header).toMatchObject({ version: 3, tensorCount: 2, metadataCount: 7, architecture: "qwen2", quantization: "Q4_K_M" });
    expect(header.metadata["general.name"]).toBe("joco test");
    expect(header.metadata["qwen2.context_length"]).toBe(32768);
    expect(header.metadata["tokenizer.chat_template"]).toBe("{{ messages }}");
    expect(header.tensors.map((t) => [t.name, t.type, t.dims, t.bytes])).toEqual([
      ["blk.0.attn_q.weight", "Q4_K", [256, 1], 144],
      ["output_norm.weight", "F32", [64], 256],
    ]);
    expect(header.dataOffset % 32).toBe(0);
    expect(header.expectedSize).toBe(header.sizeBytes);
    expect(tensorTypeCounts(header)).toEqual([["Q4_K", 1], ["F32", 1]]);
    expect(eosTokenOf(header)).toBe("<|endoftext|>");
  });

  it("reads version 2, every scalar type and an unknown file type by number", async () => {
    const data = buildGguf({
      version: 2,
      metadata: {
        "general.architecture": { type: "string", value: "llama" },
        "general.file_type": { type: "u32", value: 99 },
        "x.i32": { type: "i32", value: -7 },
        "x.f32": { type: "f32", value: 0.5 },
        "x.bool": { type: "bool", value: true },
        "x.u64": { type: "u64", value: 2 ** 40 },
        "x.ids": { type: "array", itemType: "i32", value: [1, -2, 3] },
      },
      tensors: [],
    });
    const header = readGgufHeader(await writeGguf(join(await tempDir(), "v2.gguf"), data));
    expect(header.version).toBe(2);
    expect(header.quantization).toBe("file type 99");
    expect(header.metadata).toMatchObject({ "x.i32": -7, "x.f32": 0.5, "x.bool": true, "x.u64": 2 ** 40, "x.ids": [1, -2, 3] });
  });

  it("rejects a wrong magic naming the file, and says when it is a Git LFS pointer", async () => {
    const dir = await tempDir();
    const safetensors = join(dir, "model.safetensors");
    await writeFile(safetensors, Buffer.from([0x10, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22]));
    expect(() => readGgufHeader(safetensors)).toThrow(GgufError);
    expect(() => readGgufHeader(safetensors)).toThrow(`${safetensors} is not a GGUF file: it starts with`);
    const pointer = join(dir, "pointer.gguf");
    await writeFile(pointer, "version https://git-lfs.github.com/spec/v1\noid sha256:abc\n");
    expect(() => readGgufHeader(pointer)).toThrow(/Git LFS pointer/);
  });

  it("rejects an unsupported version", async () => {
    const file = await writeGguf(join(await tempDir(), "v1.gguf"), buildGguf({ version: 1, metadata: {}, tensors: [] }));
    expect(() => readGgufHeader(file)).toThrow(`${file} is GGUF version 1; this reader supports versions 2 and 3.`);
  });

  it("names the file and what it was reading when the file is cut inside the metadata", async () => {
    const file = await writeGguf(join(await tempDir(), "cut.gguf"), tinyQwenGguf());
    await truncate(file, 60);
    expect(() => readGgufHeader(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is truncated: it ends at byte 60 while reading`));
    await truncate(file, 2);
    expect(() => readGgufHeader(file)).toThrow(/is truncated: it ends at byte 2 while reading the magic/);
  });

  it("catches a file cut inside the tensor data, whose header is intact", async () => {
    const data = tinyQwenGguf();
    const file = await writeGguf(join(await tempDir(), "short.gguf"), data.subarray(0, data.length - 100));
    expect(() => readGgufHeader(file)).toThrow(
      `${file} is truncated: its tensors end at byte ${data.length} but the file has ${data.length - 100} bytes.`,
    );
  });

  it("refuses an array whose claimed length runs past the end instead of allocating it", async () => {
    const data = tinyQwenGguf();
    const at = data.indexOf(Buffer.from("tokenizer.ggml.tokens")) + "tokenizer.ggml.tokens".length + 8; // past value type + item type
    data.writeBigUInt64LE(10n ** 12n, at);
    const file = await writeGguf(join(await tempDir(), "huge.gguf"), data);
    expect(() => readGgufHeader(file)).toThrow(/tokenizer\.ggml\.tokens claims 1000000000000 items but only \d+ bytes remain/);
  });
});
