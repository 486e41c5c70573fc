"""06-export's first step for the mlx backend, for real: fuse a LoRA adapter into the
4-bit tiny Qwen2 with de-quantization, check the 16-bit folder computes what the adapter
did, convert it to GGUF with llama.cpp's converter and generate with it in the embedded
llama.cpp (node-llama-cpp).

The converter is found as export.py finds it (LLAMA_CPP_DIR, else node-llama-cpp's bundle,
extracted once to ~/.cache/joco); it needs torch and sentencepiece in this Python. Each
step is skipped, saying why, only where its piece is absent.
"""
import json
import subprocess
import unittest
from pathlib import Path

from gguf_probe import converter_or_reason, generate_with_node_llama_cpp, gguf_fields, node_llama_cpp_or_reason
from mlx_test_case import HAS_MLX, NO_MLX, TARGETS, TinyMlxCase


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
    mx.random.seed(3)  # before the LoRA layers: lora_a is drawn there, and the fuse's rounding error varies with it
    linear_to_lora_layers(model, -1, parameters)
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
        without = load(result["base"])[0](tokens).astype(mx.float32)  # the 4-bit base alone
        # bfloat16 weights and arithmetic: measured 1–5% of the largest logit over five seeds, while the
        # adapter itself moves the logits by 127–173% of it.
        error, effect = mx.abs(with_adapter - after_fuse).max().item(), mx.abs(with_adapter - without).max().item()
        self.assertLess(error, 0.08 * mx.abs(with_adapter).max().item())
        self.assertLess(error, 0.1 * effect)
        self.assertTrue((merged / "tokenizer.json").is_file())

    def test_the_fused_folder_converts_to_gguf_that_the_embedded_llama_cpp_runs(self):
        llama, why_not = converter_or_reason()
        if llama is None:
            self.skipTest(why_not)
        merged = self.fuse_once()["path"]
        gguf_path = self.root / "merged.f16.gguf"
        subprocess.run([*llama.converter.command, merged, "--outfile", str(gguf_path), "--outtype", "f16"],
                       env=llama.converter_env(), check=True, capture_output=True, timeout=300)
        fields = gguf_fields(gguf_path, ("general.architecture", "tokenizer.ggml.pre", "tokenizer.ggml.eos_token_id"))
        self.assertEqual(fields, {"general.architecture": "qwen2", "tokenizer.ggml.pre": "qwen2", "tokenizer.ggml.eos_token_id": 151643})
        why_not = node_llama_cpp_or_reason()
        if why_not:
            self.skipTest(f"the GGUF converted; loading it is skipped: {why_not}")
        generated = generate_with_node_llama_cpp(gguf_path, self.root)
        self.assertEqual(generated["architecture"], "qwen2")
        self.assertGreater(generated["tokens"], 0)


if __name__ == "__main__":
    unittest.main()
