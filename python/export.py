"""Cell 06's worker: merge the LoRA adapter into its base model and export it for Ollama.

    python export.py CONFIG.json

Routes, tried in this order (DESIGN §7), the first that works wins:
  unsloth    Unsloth's save_pretrained_gguf (builds llama.cpp itself; often fails offline)
  llama.cpp  merge with peft, then llama.cpp's convert_hf_to_gguf.py and llama-quantize
             (LLAMA_CPP_DIR, else PATH)
  ollama     merge with peft into a 16-bit safetensors folder; Ollama converts and
             quantizes it on import (`ollama create -q q4_K_M`, cell 07)
Before anything is written the tokenizer's chat_template becomes the training frame,
so that nothing downstream can detect ChatML from it.

Progress is one JSON object a line on stdout: start, step, done, error (with a hint).
Tools' own output goes to stderr. Standard library only at import time.
"""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

ROUTES = ("unsloth", "llama.cpp", "ollama")
QUANTIZATIONS = ("q4_k_m", "q5_k_m", "q8_0", "f16")
# llama-quantize's and GGUF files' spelling of each quantization.
LLAMA_CPP_TYPES = {"q4_k_m": "Q4_K_M", "q5_k_m": "Q5_K_M", "q8_0": "Q8_0", "f16": "F16"}
# What convert_hf_to_gguf.py --outtype writes directly; the k-quants need llama-quantize afterwards.
CONVERTER_OUTTYPES = {"q8_0": "q8_0", "f16": "f16"}
# What `ollama create -q` accepts; None: imported as converted (F16).
OLLAMA_QUANTIZE = {"q4_k_m": "q4_K_M", "q8_0": "q8_0", "f16": None}


def emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def gguf_name(quantization: str) -> str:
    return f"joco.{LLAMA_CPP_TYPES[quantization]}.gguf"


@dataclass(frozen=True)
class LlamaCpp:
    converter: str | None
    quantizer: str | None


def find_llama_cpp(env: Mapping[str, str] = os.environ, which: Callable[[str], str | None] = shutil.which) -> LlamaCpp:
    """llama.cpp's converter and quantizer: in LLAMA_CPP_DIR (a checkout, built or not), else on PATH."""
    root = env.get("LLAMA_CPP_DIR")
    converter = quantizer = None
    if root:
        converter = next((str(p) for p in [Path(root) / "convert_hf_to_gguf.py"] if p.is_file()), None)
        candidates = [Path(root) / sub / "llama-quantize" for sub in ("build/bin", "bin", ".")]
        quantizer = next((str(p) for p in candidates if p.is_file() and os.access(p, os.X_OK)), None)
    converter = converter or which("convert_hf_to_gguf.py") or which("convert_hf_to_gguf")
    quantizer = quantizer or which("llama-quantize")
    return LlamaCpp(converter, quantizer)


def plan_routes(requested: str, quantization: str, unsloth_available: bool, llama_cpp: LlamaCpp) -> tuple[list[str], dict[str, str]]:
    """The routes to try, in order, and why each other one is not tried."""
    unavailable: dict[str, str] = {}
    if not unsloth_available:
        unavailable["unsloth"] = "unsloth is not installed"
    if not llama_cpp.converter:
        unavailable["llama.cpp"] = "convert_hf_to_gguf.py not found in LLAMA_CPP_DIR or on PATH"
    elif quantization not in CONVERTER_OUTTYPES and not llama_cpp.quantizer:
        unavailable["llama.cpp"] = f"llama-quantize (needed for {quantization}) not found in LLAMA_CPP_DIR/build/bin or on PATH"
    if quantization not in OLLAMA_QUANTIZE:
        unavailable["ollama"] = f"Ollama cannot quantize to {quantization} on import (q4_k_m, q8_0 or f16)"
    candidates = ROUTES if requested == "auto" else (requested,)
    routes = [r for r in candidates if r not in unavailable]
    skipped = {r: unavailable[r] for r in candidates if r in unavailable}
    return routes, skipped


def no_route_hint(quantization: str) -> str:
    return (
        "Install one of: unsloth (pip install unsloth, CUDA); llama.cpp (git clone https://github.com/ggml-org/llama.cpp, "
        "cmake -B build && cmake --build build --target llama-quantize, set LLAMA_CPP_DIR); "
        f"or use export.route \"ollama\" with a quantization Ollama makes (q4_k_m, q8_0, f16; not {quantization})."
    )


def hint_for(error: BaseException) -> str:
    text = str(error).lower()
    if "no space left" in text:
        return "Free disk space: merging writes ~3 GB of 16-bit weights and the GGUF beside them."
    if "out of memory" in text or isinstance(error, MemoryError):
        return "Merging a 1.5B model needs ~8 GB of RAM: close other programs or merge on a bigger machine."
    if any(s in text for s in ("connection", "resolve", "offline", "couldn't connect", "403", "401")):
        return "The 16-bit base model must be downloadable (or cached): check the network and HF_TOKEN, or set export.mergeBase to a local copy."
    return "Read the message above; `--route ollama` needs neither Unsloth nor llama.cpp."


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
    """The training frame as a tokenizer chat_template.

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


def embed_chat_template(folder: str | Path, template: str) -> None:
    """Also writes the template into tokenizer_config.json: recent transformers save it only as
    chat_template.jinja, which older converters (and Ollama's) do not read."""
    path = Path(folder) / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    config["chat_template"] = template
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def pick_exported_gguf(paths: list[Path], quantization: str) -> Path | None:
    """Of the .gguf files Unsloth left (names vary by version: unsloth.Q4_K_M.gguf, model.Q4_K_M.gguf), the one in our quantization."""
    tag = LLAMA_CPP_TYPES[quantization].lower()
    matching = [p for p in paths if tag in p.name.lower()]
    return max(matching, key=lambda p: p.stat().st_mtime) if matching else None


REQUIRED_KEYS = ("adapter", "baseModel", "outputDir", "mergedDir", "quantization", "route", "instruction")


def read_config(path: str) -> dict:
    config = json.loads(Path(path).read_text(encoding="utf-8"))
    missing = [k for k in REQUIRED_KEYS if k not in config]
    if missing:
        raise ValueError(f"{path}: missing keys {', '.join(missing)}")
    if config["quantization"] not in QUANTIZATIONS:
        raise ValueError(f"{path}: quantization {config['quantization']!r} is not one of {', '.join(QUANTIZATIONS)}")
    if config["route"] not in ("auto", *ROUTES):
        raise ValueError(f"{path}: route {config['route']!r} is not auto or one of {', '.join(ROUTES)}")
    return config


# ---- the routes (heavy imports inside) -------------------------------------------------------------


def set_chat_template(tokenizer, config: dict) -> str:
    eos = tokenizer.eos_token or ""
    tokenizer.chat_template = alpaca_chat_template(config["instruction"], eos)
    return eos


def export_with_unsloth(config: dict, _llama: LlamaCpp, _cache: dict) -> dict:
    from unsloth import FastLanguageModel

    emit("step", stage="load", message=f"loading {config['adapter']} with Unsloth")
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=config["adapter"], max_seq_length=config.get("maxSeqLength", 2048), load_in_4bit=config.get("loadIn4bit", True)
    )
    eos = set_chat_template(tokenizer, config)
    out = Path(config["outputDir"])
    work = out / "unsloth"
    started = time.time()
    emit("step", stage="gguf", message=f"save_pretrained_gguf {config['quantization']}")
    model.save_pretrained_gguf(str(work), tokenizer, quantization_method=config["quantization"])
    produced = [p for d in (work, out, Path.cwd()) if d.is_dir() for p in d.glob("*.gguf") if p.stat().st_mtime >= started]
    chosen = pick_exported_gguf(produced, config["quantization"])
    if chosen is None:
        raise RuntimeError(f"save_pretrained_gguf wrote no {LLAMA_CPP_TYPES[config['quantization']]} .gguf (found: {[str(p) for p in produced]})")
    final = out / gguf_name(config["quantization"])
    shutil.move(str(chosen), final)
    shutil.rmtree(work, ignore_errors=True)  # Unsloth's merged 16-bit copy and F16 GGUF: gigabytes nobody reads
    return {"format": "gguf", "path": str(final), "eos_token": eos}


def merge_to_16bit(config: dict, cache: dict) -> tuple[str, str]:
    """Merges the adapter into the 16-bit base once per run; the folder is the input of both later routes."""
    if "merged" in cache:
        return cache["merged"]
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = Path(config["adapter"])
    adapter_config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    base = config.get("mergeBase") or full_precision_base(adapter_config.get("base_model_name_or_path") or config["baseModel"])
    emit("step", stage="merge", message=f"merging {adapter} into {base} (16-bit)")
    model = AutoModelForCausalLM.from_pretrained(base, torch_dtype=torch.bfloat16, low_cpu_mem_usage=True)
    model = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    tokenizer = AutoTokenizer.from_pretrained(str(adapter) if (adapter / "tokenizer_config.json").exists() else base)
    eos = set_chat_template(tokenizer, config)
    merged = Path(config["mergedDir"])
    shutil.rmtree(merged, ignore_errors=True)
    emit("step", stage="save", message=f"writing {merged}")
    model.save_pretrained(str(merged), safe_serialization=True)
    tokenizer.save_pretrained(str(merged))
    embed_chat_template(merged, tokenizer.chat_template)
    cache["merged"] = (str(merged), eos)
    return cache["merged"]


def run_tool(command: list[str]) -> None:
    emit("step", stage=Path(command[1] if command[0] == sys.executable else command[0]).name, message=" ".join(command))
    subprocess.run(command, check=True, stdout=sys.stderr, stderr=sys.stderr)


def export_with_llama_cpp(config: dict, llama: LlamaCpp, cache: dict) -> dict:
    merged, eos = merge_to_16bit(config, cache)
    quantization = config["quantization"]
    out = Path(config["outputDir"])
    out.mkdir(parents=True, exist_ok=True)
    final = out / gguf_name(quantization)
    converter = [sys.executable, llama.converter] if llama.converter.endswith(".py") else [llama.converter]
    if quantization in CONVERTER_OUTTYPES:
        run_tool([*converter, merged, "--outfile", str(final), "--outtype", CONVERTER_OUTTYPES[quantization]])
    else:
        f16 = out / gguf_name("f16")
        run_tool([*converter, merged, "--outfile", str(f16), "--outtype", "f16"])
        run_tool([llama.quantizer, str(f16), str(final), LLAMA_CPP_TYPES[quantization]])
        f16.unlink()
    return {"format": "gguf", "path": str(final), "eos_token": eos}


def export_for_ollama(config: dict, _llama: LlamaCpp, cache: dict) -> dict:
    merged, eos = merge_to_16bit(config, cache)
    return {"format": "safetensors", "path": merged, "eos_token": eos, "ollama_quantize": OLLAMA_QUANTIZE[config["quantization"]]}


RUNNERS = {"unsloth": export_with_unsloth, "llama.cpp": export_with_llama_cpp, "ollama": export_for_ollama}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        emit("error", message="usage: export.py CONFIG.json", hint="Run it through cell 06: npx tsx runbook/06-export.ts")
        return 2
    try:
        config = read_config(argv[0])
    except (OSError, ValueError) as error:
        emit("error", message=str(error), hint="Re-run cell 06, which writes this file.")
        return 2
    llama = find_llama_cpp()
    routes, skipped = plan_routes(config["route"], config["quantization"], importlib.util.find_spec("unsloth") is not None, llama)
    emit("start", routes=routes, skipped=skipped, quantization=config["quantization"])
    if not routes:
        emit("error", message="no export route is available: " + "; ".join(f"{r}: {why}" for r, why in skipped.items()), hint=no_route_hint(config["quantization"]))
        return 1
    cache: dict = {}
    failures: list[str] = []
    for route in routes:
        try:
            result = RUNNERS[route](config, llama, cache)
        except Exception as error:  # a route failing is why the next one exists
            failures.append(f"{route}: {error}")
            emit("step", stage="fallback", route=route, message=f"{route} failed: {error}")
            last = error
            continue
        emit("done", route=route, quantization=config["quantization"], chat_template=True, **result)
        return 0
    emit("error", message="every export route failed: " + " | ".join(failures), hint=hint_for(last))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
