/**
 * The enumerations a GGUF header refers to by number (ggml.h, llama.h in
 * llama.cpp): metadata value types, tensor types with their block sizes, and
 * `general.file_type` → the quantization name users know (`Q4_K_M`).
 */

export const GGUF_VALUE_TYPES = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

/** Bytes of one fixed-size value of each scalar type (strings and arrays have none). */
export const GGUF_SCALAR_SIZES: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** ggml_type → name, and how many bytes a block of how many elements takes (for the expected file size). */
export const GGML_TYPES: Record<number, { name: string; blockElements: number; blockBytes: number }> = {
  0: { name: "F32", blockElements: 1, blockBytes: 4 },
  1: { name: "F16", blockElements: 1, blockBytes: 2 },
  2: { name: "Q4_0", blockElements: 32, blockBytes: 18 },
  3: { name: "Q4_1", blockElements: 32, blockBytes: 20 },
  6: { name: "Q5_0", blockElements: 32, blockBytes: 22 },
  7: { name: "Q5_1", blockElements: 32, blockBytes: 24 },
  8: { name: "Q8_0", blockElements: 32, blockBytes: 34 },
  9: { name: "Q8_1", blockElements: 32, blockBytes: 36 },
  10: { name: "Q2_K", blockElements: 256, blockBytes: 84 },
  11: { name: "Q3_K", blockElements: 256, blockBytes: 110 },
  12: { name: "Q4_K", blockElements: 256, blockBytes: 144 },
  13: { name: "Q5_K", blockElements: 256, blockBytes: 176 },
  14: { name: "Q6_K", blockElements: 256, blockBytes: 210 },
  15: { name: "Q8_K", blockElements: 256, blockBytes: 292 },
  20: { name: "IQ4_NL", blockElements: 32, blockBytes: 18 },
  23: { name: "IQ4_XS", blockElements: 256, blockBytes: 136 },
  24: { name: "I8", blockElements: 1, blockBytes: 1 },
  25: { name: "I16", blockElements: 1, blockBytes: 2 },
  26: { name: "I32", blockElements: 1, blockBytes: 4 },
  27: { name: "I64", blockElements: 1, blockBytes: 8 },
  28: { name: "F64", blockElements: 1, blockBytes: 8 },
  30: { name: "BF16", blockElements: 1, blockBytes: 2 },
};

/** llama_ftype: what `general.file_type` says the file was quantized to. */
export const GGUF_FILE_TYPES: Record<number, string> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  19: "IQ2_XXS",
  20: "IQ2_XS",
  21: "Q2_K_S",
  22: "IQ3_XS",
  23: "IQ3_XXS",
  24: "IQ1_S",
  25: "IQ4_NL",
  26: "IQ3_S",
  27: "IQ3_M",
  28: "IQ2_S",
  29: "IQ2_M",
  30: "IQ4_XS",
  31: "IQ1_M",
  32: "BF16",
  36: "TQ1_0",
  37: "TQ2_0",
};

/** `Q4_K_M` for file type 15; `file type 99` for one this table does not know. */
export function quantizationName(fileType: number | undefined): string | undefined {
  if (fileType === undefined) return undefined;
  return GGUF_FILE_TYPES[fileType] ?? `file type ${fileType}`;
}
