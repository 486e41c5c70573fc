"""06-export's first step for the mlx backend, for real: fuse a LoRA adapter into the
4-bit tiny Qwen2 with de-quantization, check the 16-bit folder computes what the adapter
did, convert it to GGUF with llama.cpp's converter and, on request, generate with it.

The GGUF step needs llama.cpp's converter (LLAMA_CPP_DIR, as export.py finds it) and
torch + gguf in this Python; loading the GGUF in node-llama-cpp runs with
JOCO_TEST_GGUF_LOAD=1 (it adds ~20 s on two cores).
"""
import importlib.util
import json
import os
import subprocess
import sys
import unittest
from pathlib import Path

from mlx_test_case import HAS_MLX, NO_MLX, ROOT, TARGETS, TinyMlxCase


def make_adapter(base, folder: Path):
    """A LoRA adapter as 05-train leaves it, with random lora_b (fresh ones are zero and would fuse to nothing);
    returns the model with the adapter applied, for comparison."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    from mlx_plan import adapter_config, lora_keys, lora_parameters

    model, _ = load(base.path)
    model.freeze()
    parameters = lora_parameters(8, 16, 0.0, lora_keys([n for n, _ in model.layers[0].named_modules()], tuple(TARGETS)))
    linear_to_lora_layers(model, -1, parameters)
    mx.random.seed(3)
    weights = {name: (mx.random.normal(value.shape) * 0.5 if name.endswith("lora_b") else value)
               for name, value in tree_flatten(model.trainable_parameters())}
    model.load_weights(list(weights.items()), strict=False)
    folder.mkdir()
    mx.save_safetensors(str(folder / "adapters.safetensors"), weights)
    (folder / "adapter_config.json").write_text(json.dumps(adapter_config(base.path, -1, parameters)))
    (folder / "joco-mlx.json").write_text(json.dumps(base.record()))
    return model


@unittest.skipUnless(HAS_MLX, NO_MLX)
class MlxFuseTest(TinyMlxCase):
    fused: dict | None = None

    def fuse_once(self) -> dict:
        """Both tests take the same fused folder; whichever runs first makes it."""
        if MlxFuseTest.fused is None:
            from mlx_base import resolve_mlx_base
            from mlx_fuse import fuse_to_hf
            from train_config import parse_config

            base = resolve_mlx_base(parse_config(self.config()), lambda _: None)
            model = make_adapter(base, self.root / "adapter")
            MlxFuseTest.fused = {"model": model, **fuse_to_hf(self.root / "adapter", self.root / "merged")}
        return MlxFuseTest.fused

    def test_fuse_writes_a_16_bit_hf_folder_that_computes_what_the_adapter_did(self):
        import mlx.core as mx
        from mlx_lm.utils import load

        result = self.fuse_once()
        merged = Path(result["path"])
        config = json.loads((merged / "config.json").read_text())
        self.assertNotIn("quantization", config)
        self.assertEqual((config["architectures"], config["torch_dtype"], result["dequantized"]), (["Qwen2ForCausalLM"], "bfloat16", True))
        fused_weights = mx.load(str(merged / "model.safetensors"))
        self.assertFalse([name for name in fused_weights if "lora" in name or name.endswith(".scales")])
        self.assertEqual({value.dtype for value in fused_weights.values()}, {mx.bfloat16})
        fused, _ = load(str(merged))
        tokens = mx.array([[5, 6, 7, 8, 9, 10]])
        with_adapter, after_fuse = result["model"](tokens).astype(mx.float32), fused(tokens).astype(mx.float32)
        self.assertLess(mx.abs(with_adapter - after_fuse).max().item(), 0.05 * mx.abs(with_adapter).max().item())
        self.assertTrue((merged / "tokenizer.json").is_file())

    def test_the_fused_folder_converts_to_gguf_with_llama_cpps_converter(self):
        converter = Path(os.environ.get("LLAMA_CPP_DIR", "/nonexistent")) / "convert_hf_to_gguf.py"
        if not converter.is_file():
            self.skipTest("set LLAMA_CPP_DIR to a llama.cpp checkout (its convert_hf_to_gguf.py) to run the GGUF step")
        if not all(importlib.util.find_spec(m) for m in ("torch", "gguf", "sentencepiece")):
            self.skipTest("llama.cpp's converter needs torch, gguf and sentencepiece in this Python")
        merged = self.fuse_once()["path"]
        gguf_path = self.root / "merged.f16.gguf"
        subprocess.run([sys.executable, str(converter), merged, "--outfile", str(gguf_path), "--outtype", "f16"],
                       check=True, capture_output=True, timeout=300)
        from gguf import GGUFReader

        fields = {name: field.contents() for name, field in GGUFReader(str(gguf_path)).fields.items()
                  if name in ("general.architecture", "tokenizer.ggml.pre", "tokenizer.ggml.eos_token_id")}
        self.assertEqual(fields, {"general.architecture": "qwen2", "tokenizer.ggml.pre": "qwen2", "tokenizer.ggml.eos_token_id": 151643})
        if os.environ.get("JOCO_TEST_GGUF_LOAD") == "1":
            self.generate_with_node_llama_cpp(gguf_path)

    def generate_with_node_llama_cpp(self, gguf_path: Path) -> None:
        script = self.root / "generate.mjs"
        script.write_text(
            f"const {{ getLlama, LlamaCompletion }} = await import({json.dumps(str(ROOT / 'node_modules/node-llama-cpp/dist/index.js'))});\n"
            "const llama = await getLlama({ gpu: false, build: 'never' });\n"
            "const model = await llama.loadModel({ modelPath: process.argv[2] });\n"
            "const context = await model.createContext({ contextSize: 256 });\n"
            "const completion = new LlamaCompletion({ contextSequence: context.getSequence() });\n"
            "const text = await completion.generateCompletion('### Response:\\n', { maxTokens: 4, temperature: 0 });\n"
            "console.log(JSON.stringify({ text, tokens: model.tokenize(text).length }));\n"
            "await llama.dispose();\n"
        )
        result = subprocess.run(["node", str(script), str(gguf_path)], capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        self.assertGreater(json.loads(result.stdout.strip().splitlines()[-1])["tokens"], 0)


if __name__ == "__main__":
    unittest.main()
