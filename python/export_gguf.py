"""The llama.cpp route: the merged 16-bit folder → convert_hf_to_gguf.py (F16, Q8_0) → llama-quantize (k-quants).

The converter runs with export.py's own interpreter (it needs torch, transformers, numpy and
sentencepiece) and its own gguf-py (llama_tools.LlamaCpp.converter_env). Each file is written
under a temporary name and renamed when the tool succeeded, so a crash never leaves a
GGUF that looks finished.
"""
from __future__ import annotations

import collections
import os
import subprocess
import sys
from pathlib import Path

from export_events import emit
from export_merge import merge_to_16bit
from export_plan import CONVERTER_OUTTYPES, LLAMA_CPP_TYPES
from llama_tools import LlamaCpp, cache_dir, extract_bundle


def gguf_name(quantization: str) -> str:
    return f"joco.{LLAMA_CPP_TYPES[quantization]}.gguf"


def run_tool(command: list[str], env: dict | None = None) -> None:
    """Runs a tool with its output on our stderr, and fails with its last error line, not just an exit code."""
    name = Path(command[1] if command[0] == sys.executable else command[0]).name
    emit("step", stage=name, message=" ".join(command))
    tail: collections.deque[str] = collections.deque(maxlen=40)
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace") as child:
        for line in child.stdout:
            sys.stderr.write(line)
            tail.append(line.rstrip())
    if child.returncode != 0:
        raise RuntimeError(f"{name} failed (exit {child.returncode}): {last_error(list(tail))}")


def last_error(lines: list[str]) -> str:
    """The line that says what went wrong: a Python exception, or llama.cpp's ERROR/error line."""
    for line in reversed(lines):
        if line.startswith(("ERROR", "error", "Error")) or (": " in line and line.split(":")[0].endswith(("Error", "Exception"))):
            return line
    return next((line for line in reversed(lines) if line.strip()), "no output")


def convert(llama: LlamaCpp, merged: str, target: Path, outtype: str) -> Path:
    partial = target.with_name(f".{target.name}.partial")
    run_tool([*llama.converter.command, merged, "--outfile", str(partial), "--outtype", outtype], env=llama.converter_env())
    os.replace(partial, target)
    return target


def quantizer_for(llama: LlamaCpp, config: dict) -> str:
    if llama.quantizer:
        return llama.quantizer
    if not (config.get("buildQuantizer") and llama.bundle):
        raise RuntimeError("llama-quantize is needed for k-quants and was not found (buildQuantizer builds it)")
    from llama_build import build_quantizer

    root, _ = extract_bundle(Path(llama.bundle), cache_dir())
    emit("step", stage="build", message=f"building llama-quantize from {root} (about six minutes on two cores; cached)")
    path, seconds = build_quantizer(root, jobs=int(config.get("buildJobs", 2)))
    emit("step", stage="build", message=f"built {path} in {seconds:.0f} s")
    return str(path)


def export_with_llama_cpp(config: dict, llama: LlamaCpp, cache: dict) -> dict:
    merged, eos = merge_to_16bit(config, cache)
    quantization = config["quantization"]
    out = Path(config["outputDir"])
    out.mkdir(parents=True, exist_ok=True)
    # alsoWrite: the converter's own types beside the asked one, for the parity check (F16 and Q8_0 must match transformers).
    extra = [q for q in config.get("alsoWrite", []) if q in CONVERTER_OUTTYPES and q != quantization]
    files: dict[str, str] = {}
    final = out / gguf_name(quantization)
    if quantization in CONVERTER_OUTTYPES:
        convert(llama, merged, final, CONVERTER_OUTTYPES[quantization])
    else:
        quantizer = quantizer_for(llama, config)
        f16 = convert(llama, merged, out / gguf_name("f16"), "f16")
        partial = final.with_name(f".{final.name}.partial")
        run_tool([quantizer, str(f16), str(partial), LLAMA_CPP_TYPES[quantization]])
        os.replace(partial, final)
        if "f16" in extra:
            files["f16"] = str(f16)
            extra.remove("f16")
        else:
            f16.unlink()  # the 16-bit intermediate: 3 GB for the 1.5B model
    for q in extra:
        files[q] = str(convert(llama, merged, out / gguf_name(q), CONVERTER_OUTTYPES[q]))
    files[quantization] = str(final)
    return {"format": "gguf", "path": str(final), "eos_token": eos, "files": files}
