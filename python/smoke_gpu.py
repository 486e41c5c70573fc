#!/usr/bin/env python3
"""End-to-end smoke run of train.py on the tiny Qwen2, with no downloads.

    PYTHONUNBUFFERED=1 .venv/bin/python python/smoke_gpu.py [--steps 30] [--backend hf|unsloth] [--keep DIR]

Needs the environment of `npm run setup:python` (for `--backend unsloth`, the
unsloth set on a CUDA machine) and node_modules (the Qwen tokenizer), no
network. It builds the tiny randomly initialised Qwen2 of python/tiny_model.py
with the real Qwen tokenizer, writes synthetic commits, runs the real
python/train.py as the cell would (LoRA on every projection, modules_to_save
embed_tokens + lm_head), sends it SIGINT after a checkpoint, resumes it with
`--resume-from auto` to the last step, merges the adapter into the base model,
and prints a short report. Uses the GPU when there is one (CUDA or MPS), the CPU
otherwise. Exit status 0 when every check passed.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from prompting import render_prompt  # noqa: E402
from train_data import IGNORE_INDEX, encode_example  # noqa: E402

EOS = "<|endoftext|>"
MAX_SEQ_LENGTH = 192
INSTRUCTION = "Write a Conventional Commit message for this git diff."
TYPES = {"feat": "add", "fix": "handle", "docs": "document", "test": "cover", "refactor": "simplify"}
AREAS = ["api", "cli", "parser", "auth", "cache", "router"]


def synthetic_examples(count: int, rng: random.Random) -> list[dict]:
    """Curated-format examples whose message is predictable from the diff; a few are long enough to be truncated."""
    examples = []
    for index in range(count):
        kind, area = rng.choice(list(TYPES)), rng.choice(AREAS)
        verb, name = TYPES[kind], f"{area}_{rng.randint(1, 40)}"
        lines = [f"diff --git a/src/{area}.py b/src/{area}.py", f"--- a/src/{area}.py", f"+++ b/src/{area}.py", "@@ -1,3 +1,4 @@"]
        lines += [f"+# {kind}: {verb} {name}", f"+def {name}(value):", "+    return value"]
        lines += [f"+    # filler line {n} for {area}" for n in range(60 if index % 8 == 0 else 2)]
        examples.append({"instruction": INSTRUCTION, "input": "\n".join(lines), "output": f"{kind}({area}): {verb} {name}",
                         "metadata": {"id": str(index), "repository": "smoke", "commitHash": f"{index:040x}", "type": kind, "scope": area}})
    return examples


def write_config(work: Path, model_dir: Path, steps: int, backend: str) -> Path:
    config = {
        "baseModel": str(model_dir), "backend": backend, "maxSeqLength": MAX_SEQ_LENGTH, "loadIn4bit": backend == "unsloth",
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "modulesToSave": ["embed_tokens", "lm_head"],
                 "targetModules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]},
        "batchSize": 4, "gradientAccumulationSteps": 1, "warmupSteps": 2, "epochs": 1, "learningRate": 3e-3,
        "loggingSteps": 2, "saveSteps": 5, "evalSteps": 10, "saveTotalLimit": 2, "maxSteps": steps,
        "gradientCheckpointing": True, "seed": 7,
        "trainFile": str(work / "train.jsonl"), "validationFile": str(work / "validation.jsonl"),
        "outputDir": str(work / "outputs"), "adapterDir": str(work / "joco-lora"),
    }
    path = work / "joco-train.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def run_trainer(config: Path, extra: list[str], interrupt_after_checkpoint: int | None, log) -> tuple[int, list[dict]]:
    """Runs train.py the way the launcher does; with `interrupt_after_checkpoint`, sends SIGINT once a checkpoint at or past that step exists."""
    command = [sys.executable, "-u", str(HERE / "train.py"), "--config", str(config), *extra]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    events, interrupted = [], False
    for line in child.stdout:
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            print(f"    ! not an event on stdout: {line.rstrip()}")
            continue
        events.append(event)
        if event["event"] == "note":
            print(f"    · {event['message']}")
        if (interrupt_after_checkpoint is not None and not interrupted and event["event"] == "checkpoint"
                and event["step"] >= interrupt_after_checkpoint):
            child.send_signal(signal.SIGINT)
            interrupted = True
    return child.wait(timeout=600), events


def first(events: list[dict], kind: str) -> dict | None:
    return next((event for event in events if event["event"] == kind), None)


def merge_and_compare(model_dir: Path, adapter_dir: Path, merged_dir: Path, prompt: str) -> dict:
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(adapter_dir)
    encoded = tokenizer(prompt, return_tensors="pt")
    inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
    with torch.no_grad():
        base_logits = AutoModelForCausalLM.from_pretrained(model_dir).eval()(**inputs).logits
        adapted = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(model_dir), adapter_dir).eval()
        adapted_logits = adapted(**inputs).logits
        adapted.merge_and_unload().save_pretrained(merged_dir)
        merged = AutoModelForCausalLM.from_pretrained(merged_dir).eval()
        merged_logits = merged(**inputs).logits
        generated = merged.generate(**inputs, max_new_tokens=24, do_sample=False, eos_token_id=tokenizer.eos_token_id,
                                    pad_token_id=tokenizer.eos_token_id)
    continuation = generated[0, inputs["input_ids"].shape[1]:]
    return {
        "merged_vs_adapter": float((merged_logits - adapted_logits).abs().max()),
        "adapter_vs_base": float((adapted_logits - base_logits).abs().max()),
        "generated": tokenizer.decode(continuation, skip_special_tokens=False),
        "stopped_with_eos": bool((continuation == tokenizer.eos_token_id).any()),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--backend", choices=("hf", "unsloth"), default="hf", help="unsloth needs CUDA and the unsloth set")
    parser.add_argument("--keep", help="work in this folder and keep it (default: a temporary folder, removed)")
    arguments = parser.parse_args()
    missing = [name for name in ("torch", "transformers", "peft", "accelerate") if importlib.util.find_spec(name) is None]
    if missing:
        print(f"smoke: missing {', '.join(missing)}: {sys.executable} -m pip install torch transformers peft accelerate")
        return 2
    began = time.monotonic()
    work = Path(arguments.keep or tempfile.mkdtemp(prefix="joco-smoke-"))
    work.mkdir(parents=True, exist_ok=True)
    checks: list[tuple[str, bool, str]] = []

    import peft
    import torch
    import transformers
    from transformers import AutoTokenizer

    from tiny_model import build_tiny_model

    examples = synthetic_examples(72, random.Random(1))
    (work / "train.jsonl").write_text("".join(json.dumps(e) + "\n" for e in examples[:64]))
    (work / "validation.jsonl").write_text("".join(json.dumps(e) + "\n" for e in examples[64:]))
    model_dir = work / "tiny-qwen2"
    shape = build_tiny_model(model_dir, seed=0)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    print(f"smoke: torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}; work folder {work}")
    print(f"smoke: tiny Qwen2 {shape} with the real {shape['vocab_size']}-token Qwen tokenizer (python/tiny_model.py)")

    encoded = encode_example(examples[1], lambda text, special: tokenizer(text, add_special_tokens=special)["input_ids"],
                             tokenizer.eos_token_id, MAX_SEQ_LENGTH)
    answer = tokenizer.decode([t for t, label in zip(encoded.input_ids, encoded.labels) if label != IGNORE_INDEX],
                              clean_up_tokenization_spaces=False)
    checks.append(("loss covers the answer + EOS only", answer == examples[1]["output"] + EOS, repr(answer)))

    config = write_config(work, model_dir, arguments.steps, arguments.backend)
    with open(work / "train.log", "w") as log:
        print("smoke: run 1 (SIGINT after the checkpoint at step 10)")
        code1, run1 = run_trainer(config, [], 10, log)
        print("smoke: run 2 (--resume-from auto)")
        code2, run2 = run_trainer(config, ["--resume-from", "auto"], None, log)
    start1, start2, stopped, done = first(run1, "start"), first(run2, "start"), first(run1, "stopped"), first(run2, "done")
    losses = [e["loss"] for e in run1 + run2 if e["event"] == "step"]
    checks.append(("run 1 stopped on SIGINT with a checkpoint (exit 130)",
                   code1 == 130 and bool(stopped and stopped["checkpoint"]), f"exit {code1}, {stopped}"))
    checks.append(("run 2 resumed from that checkpoint",
                   bool(start2 and stopped and start2["resume_step"] == stopped["step"] and start2["resumed_from"]),
                   f"start {start2 and {k: start2[k] for k in ('resumed_from', 'resume_step', 'total_steps')}}"))
    checks.append(("run 2 finished every step (exit 0)", code2 == 0 and bool(done and done["steps"] == arguments.steps),
                   f"exit {code2}, steps {done and done['steps']}"))
    checks.append(("losses are finite", bool(losses) and all(isinstance(v, float) for v in losses), f"{len(losses)} logged"))
    adapter = Path(done["adapter"]) if done else work / "joco-lora"
    files = sorted(p.name for p in adapter.glob("*")) if adapter.is_dir() else []
    checks.append(("adapter + tokenizer saved", {"adapter_config.json", "tokenizer.json"} <= set(files), ", ".join(files)))
    merge = None
    if done:
        try:
            merge = merge_and_compare(model_dir, adapter, work / "merged", render_prompt(INSTRUCTION, examples[65]["input"]))
            checks.append(("merged model = base + adapter", merge["merged_vs_adapter"] < 1e-3, f"max |Δlogit| {merge['merged_vs_adapter']:.2e}"))
            checks.append(("the adapter changed the model", merge["adapter_vs_base"] > 1e-4, f"max |Δlogit| vs base {merge['adapter_vs_base']:.3f}"))
        except Exception as error:  # noqa: BLE001 — reported as a failed check
            checks.append(("merge the adapter", False, f"{type(error).__name__}: {error}"))

    print()
    print(f"joco smoke report ({arguments.backend} backend of python/train.py)")
    print(f"  device        {start1 and start1['device']}; examples {start1 and start1['examples']} train / "
          f"{start1 and start1['validation']} validation, {start1 and start1['truncated']} truncated, eos {start1 and start1['eos_token']!r}")
    print(f"  run 1         steps 1–{stopped and stopped['step']} of {start1 and start1['total_steps']}, stopped by SIGINT, "
          f"checkpoint {stopped and stopped['checkpoint']}")
    if done and start2:
        print(f"  run 2         resumed at step {start2['resume_step']} → {done['steps']}, train loss {done['train_loss']}, "
              f"eval loss {done['eval_loss']}, {done['runtime']} s")
        print(f"  loss curve    {losses[0] if losses else None} → {losses[-1] if losses else None} over {len(done['loss_curve'])} points; "
              f"eval {[e['eval_loss'] for e in done['eval_curve']]}")
    if merge:
        print(f"  generation    {merge['generated']!r} (EOS reached: {merge['stopped_with_eos']})")
    for event in run1 + run2:
        if event["event"] == "error":
            print(f"  trainer error {event['message']}\n                → {event['hint']}")
    for name, ok, detail in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
    passed = all(ok for _, ok, _ in checks)
    print(f"  RESULT        {'PASS' if passed else 'FAIL'} in {time.monotonic() - began:.0f} s (trainer log: {work / 'train.log'})")
    if passed and not arguments.keep:
        shutil.rmtree(work, ignore_errors=True)
    elif not passed:
        print(f"  kept {work} for inspection")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
