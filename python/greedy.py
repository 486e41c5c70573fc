"""Greedy generations of a transformers model: the reference that the exported GGUF's own greedy
output (llama.cpp through node-llama-cpp) must match token for token (DESIGN §7).

    python greedy.py MODEL_DIR PROMPTS.json OUT.json [--max-new-tokens N] [--dtype float32]

PROMPTS.json is a JSON list of prompt strings, or {"prompts": [...], "maxNewTokens": N}. OUT.json:
  {model, dtype, max_new_tokens, stop_ids, generations: [{prompt, prompt_ids, ids, text, stop, margins}]}
`ids` are the generated tokens, the stop token included when one ended the text (`stop`: "eos",
else "length"); `margins[i]` is how far the chosen logit led the runner-up at step i, so that a
mismatch on a near tie can be told from a broken export. export.py writes the same file while
the merged model is in memory (config `reference`).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

DEFAULT_MAX_NEW_TOKENS = 32


def load_prompts(path: str | Path) -> dict:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    spec = {"prompts": data} if isinstance(data, list) else dict(data)
    if not all(isinstance(p, str) for p in spec.get("prompts", [])):
        raise ValueError(f"{path}: prompts must be strings")
    return spec


def stop_ids(model, tokenizer) -> list[int]:
    """The tokenizer's EOS and whatever the generation config also ends on."""
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    ids |= set(configured if isinstance(configured, list) else [configured] if configured is not None else [])
    return sorted(ids)


def greedy(model, prompt_ids: list[int], max_new_tokens: int, stops: list[int]) -> tuple[list[int], list[float], str]:
    """Argmax decoding with the KV cache, by hand: generate() would merge in the model's
    generation_config (a repetition_penalty there would change the tokens)."""
    import torch

    ids: list[int] = []
    margins: list[float] = []
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([prompt_ids]), use_cache=True)
        for _ in range(max_new_tokens):
            top = torch.topk(out.logits[0, -1].float(), 2)
            token = int(top.indices[0])
            ids.append(token)
            margins.append(round(float(top.values[0] - top.values[1]), 6))
            if token in stops:
                return ids, margins, "eos"
            out = model(input_ids=torch.tensor([[token]]), past_key_values=out.past_key_values, use_cache=True)
    return ids, margins, "length"


def generations(model, tokenizer, spec: dict, source: str) -> dict:
    import torch

    dtype = spec.get("dtype", "float32")
    model.to(getattr(torch, dtype)).eval()  # float32 by default: the stored weights' own function, not bf16 arithmetic
    max_new = int(spec.get("maxNewTokens", DEFAULT_MAX_NEW_TOKENS))
    stops = stop_ids(model, tokenizer)
    rows = []
    for prompt in spec["prompts"]:
        prompt_ids = tokenizer(prompt)["input_ids"]  # as in training: the tokenizer's own special-token policy (Qwen: none)
        ids, margins, stop = greedy(model, prompt_ids, max_new, stops)
        text = tokenizer.decode(ids[:-1] if stop == "eos" else ids, skip_special_tokens=False)
        rows.append({"prompt": prompt, "prompt_ids": prompt_ids, "ids": ids, "text": text, "stop": stop, "margins": margins})
    return {"model": source, "dtype": dtype, "max_new_tokens": max_new, "stop_ids": stops, "generations": rows}


def write_reference(model, tokenizer, spec: dict, out: str | Path, source: str) -> dict:
    result = generations(model, tokenizer, spec, source)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    partial = Path(out).with_suffix(".partial")
    partial.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    partial.replace(out)
    return result


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Greedy generations of a transformers model folder, as JSON.")
    parser.add_argument("model")
    parser.add_argument("prompts", help="JSON: a list of prompts, or {prompts, maxNewTokens}")
    parser.add_argument("out")
    parser.add_argument("--max-new-tokens", type=int)
    parser.add_argument("--dtype", choices=["float32", "bfloat16", "float16"])
    args = parser.parse_args(argv)
    spec = load_prompts(args.prompts)
    spec |= {k: v for k, v in {"maxNewTokens": args.max_new_tokens, "dtype": args.dtype}.items() if v is not None}
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(args.model)
    result = write_reference(model, AutoTokenizer.from_pretrained(args.model), spec, args.out, source=args.model)
    print(json.dumps({"event": "done", "path": args.out, "prompts": len(result["generations"])}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
