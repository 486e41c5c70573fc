"""The merged 16-bit model that the llama.cpp and ollama routes start from, and what goes in it.

Heavy imports (torch, transformers, peft) stay inside merge_to_16bit; the rest is plain
JSON and text so that it is tested without them.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from export_events import emit
from export_plan import trained_with


def full_precision_base(name: str) -> str:
    """The 16-bit original of a bitsandbytes checkpoint: a LoRA merges into real weights, not 4-bit ones."""
    for suffix in ("-unsloth-bnb-4bit", "-bnb-4bit"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def jinja_literal(text: str) -> str:
    """A single-quoted Jinja string literal (Jinja unescapes \\\\, \\' and \\n as Python does)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r") + "'"


def alpaca_chat_template(instruction: str, eos_token: str) -> str:
    """The training frame as a tokenizer chat_template (DESIGN §7: Ollama would otherwise detect ChatML).

    A user turn is the diff, an assistant turn is `### Response:\\n`, the message and EOS;
    with add_generation_prompt a lone user turn renders exactly python/prompting.py's
    render_prompt, and a user + assistant pair exactly format_prompt. (Unsloth rejects a
    template on which add_generation_prompt changes nothing.) System messages are
    dropped: training had none.
    """
    response = "'### Response:\\n'"
    return (
        "{% for message in messages %}"
        "{% if message['role'] == 'user' %}"
        "{{ '### Instruction:\\n' + " + jinja_literal(instruction) + " + '\\n\\n### Input:\\n' + message['content'] + '\\n\\n' }}"
        "{% elif message['role'] == 'assistant' %}"
        "{{ " + response + " + message['content'] + " + jinja_literal(eos_token) + " }}"
        "{% endif %}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ " + response + " }}{% endif %}"
    )


def set_chat_template(tokenizer, instruction: str) -> str:
    eos = tokenizer.eos_token or ""
    tokenizer.chat_template = alpaca_chat_template(instruction, eos)
    return eos


def embed_chat_template(folder: str | Path, template: str) -> None:
    """Also writes the template into tokenizer_config.json: transformers 5 saves it only as
    chat_template.jinja, which older converters (and Ollama's) do not read."""
    path = Path(folder) / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    config["chat_template"] = template
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def restore_rope_theta(folder: str | Path) -> float | None:
    """Transformers 5 writes `rope_parameters.rope_theta` and no top-level `rope_theta`; Ollama's Qwen2
    converter reads only the top-level key and otherwise writes freq_base 0 (a broken model).
    Returns the value now at the top level (None: the config has none anywhere)."""
    path = Path(folder) / "config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(config.get("rope_theta"), (int, float)):
        return float(config["rope_theta"])
    nested = config.get("rope_parameters") or {}
    nested = nested.get("full_attention", nested)  # per-layer-type form of models with sliding layers
    theta = nested.get("rope_theta") if isinstance(nested, dict) else None
    if not isinstance(theta, (int, float)):
        return None
    config["rope_theta"] = theta
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return float(theta)


def write_reference_of(model, tokenizer, config: dict, merged: Path, cache: dict) -> None:
    """The merged model's greedy generations of the config's `reference` prompts (greedy.py),
    which 06's parity check compares with the GGUF's."""
    from greedy import write_reference

    out = Path(config["outputDir"]) / "reference.json"
    emit("step", stage="reference", message=f"greedy generations of the merged model for {len(config['reference']['prompts'])} prompts → {out}")
    write_reference(model, tokenizer, config["reference"], out, source=str(merged))
    cache["reference"] = str(out)


def merge_to_16bit(config: dict, cache: dict) -> tuple[str, str]:
    """Merges the adapter into the 16-bit base once per run; the folder is the input of both later routes.
    When the config asks for `reference` prompts, the merged model's greedy generations are
    written while it is still in memory (greedy.py). An adapter of the mlx backend is fused
    with mlx-lm instead (export_mlx.py): peft cannot read it."""
    if "merged" in cache:
        return cache["merged"]
    if trained_with(config["adapter"]) == "mlx":
        from export_mlx import fuse_mlx_to_16bit

        return fuse_mlx_to_16bit(config, cache)
    adapter = Path(config["adapter"])
    adapter_config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    base = config.get("mergeBase") or full_precision_base(adapter_config.get("base_model_name_or_path") or config["baseModel"])
    emit("step", stage="merge", message=f"merging {adapter} into {base} (bfloat16)")
    # transformers 5: `dtype=` (torch_dtype is deprecated); low_cpu_mem_usage and safe_serialization are gone.
    model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.bfloat16)
    model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    tokenizer = AutoTokenizer.from_pretrained(str(adapter) if (adapter / "tokenizer_config.json").exists() else base)
    eos = set_chat_template(tokenizer, config["instruction"])
    merged = Path(config["mergedDir"])
    shutil.rmtree(merged, ignore_errors=True)
    emit("step", stage="save", message=f"writing {merged}")
    model.save_pretrained(str(merged))
    tokenizer.save_pretrained(str(merged))
    embed_chat_template(merged, tokenizer.chat_template)
    if config.get("reference"):
        write_reference_of(model, tokenizer, config, merged, cache)
    del model
    cache["merge"] = f"peft merge into {base}"
    cache["merged"] = (str(merged), eos)
    return cache["merged"]
