"""The unsloth route: Unsloth's own save_pretrained_gguf (it merges, converts and quantizes).

Where its files land changed between releases, and both are handled:
  2025.10 line        into the folder it is given: <dir>/unsloth.Q4_K_M.gguf, returns nothing useful
  February 2026 on    into a sibling folder <dir>_gguf/, named <model>.Q4_K_M.gguf, and returns
                      {"gguf_files": [...]}
Either way the file asked for is moved to joco-gguf/joco.<TYPE>.gguf and everything else it
wrote (a merged 16-bit copy, an F16 GGUF: gigabytes) is removed, even when the call fails.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from export_events import emit
from export_gguf import gguf_name
from export_merge import set_chat_template
from export_plan import LLAMA_CPP_TYPES


def returned_files(returned: object) -> list[Path]:
    """The paths save_pretrained_gguf returned, whatever its version returns (a dict, a list, a path, None)."""
    if isinstance(returned, dict):
        returned = returned.get("gguf_files") or []
    if isinstance(returned, (str, os.PathLike)):
        returned = [returned]
    if not isinstance(returned, (list, tuple)):
        return []
    return [Path(p).resolve() for p in returned if isinstance(p, (str, os.PathLike)) and str(p).endswith(".gguf")]


def pick_exported_gguf(paths: list[Path], quantization: str) -> Path | None:
    """The file in our quantization, by the type in its name (`F16` must not match `BF16`)."""
    tag = re.escape(LLAMA_CPP_TYPES[quantization].lower())
    matching = [p for p in paths if p.is_file() and re.search(rf"(?<![a-z0-9]){tag}(?![a-z0-9])", p.name.lower())]
    return max(matching, key=lambda p: p.stat().st_mtime) if matching else None


def save_gguf_with_unsloth(model, tokenizer, out: Path, quantization: str) -> Path:
    work = out / "unsloth"
    sibling = Path(f"{work}_gguf")  # where Unsloth ≥ 2026.2 puts the GGUFs
    for folder in (work, sibling):
        shutil.rmtree(folder, ignore_errors=True)  # a crashed earlier run's leftovers must not be picked
    final = out / gguf_name(quantization)
    returned = None
    try:
        returned = model.save_pretrained_gguf(str(work), tokenizer, quantization_method=quantization)
        produced = returned_files(returned) + [p for d in (work, sibling) if d.is_dir() for p in d.rglob("*.gguf")]
        chosen = pick_exported_gguf(produced, quantization)
        if chosen is None:
            found = sorted({str(p) for p in produced})
            raise RuntimeError(f"save_pretrained_gguf wrote no {LLAMA_CPP_TYPES[quantization]} .gguf (found: {found or 'none'}; looked in {work}, {sibling} and its return value)")
        shutil.move(str(chosen), final)
        return final
    finally:
        for folder in (work, sibling):
            shutil.rmtree(folder, ignore_errors=True)
        for leftover in returned_files(returned):  # anything it returned outside those folders
            if leftover.is_file() and leftover != final.resolve():
                leftover.unlink()


def export_with_unsloth(config: dict, _llama, _cache: dict) -> dict:
    from unsloth import FastLanguageModel

    emit("step", stage="load", message=f"loading {config['adapter']} with Unsloth")
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=config["adapter"], max_seq_length=config.get("maxSeqLength", 2048), load_in_4bit=config.get("loadIn4bit", True)
    )
    eos = set_chat_template(tokenizer, config["instruction"])
    emit("step", stage="gguf", message=f"save_pretrained_gguf {config['quantization']}")
    final = save_gguf_with_unsloth(model, tokenizer, Path(config["outputDir"]), config["quantization"])
    return {"format": "gguf", "path": str(final), "eos_token": eos, "files": {config["quantization"]: str(final)}}
