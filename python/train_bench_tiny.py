#!/usr/bin/env python3
"""Measures the hf backend on the tiny Qwen2 with real commits (the DESIGN §8 figure):

    .venv/bin/python python/train_bench_tiny.py [--data ../shared/data/vue.jsonl] [--train 200] [--held-out 40]
                                                [--epochs 4] [--lr 6e-3] [--batch 4] [--keep DIR]

It builds the tiny model (tiny_model.py), writes the first N commits of a
case-format file as curated examples (header only, a trailing ` (#1234)`
dropped), trains them through python/train.py exactly as cell 05-train does
(LoRA r 16 on every projection, modules_to_save embed_tokens + lm_head,
maxSeqLength 192), then generates greedily for held-out diffs with the untrained
and the trained model and prints the time, the loss before and after, and the
share of outputs that are a Conventional Commit header and that end with EOS.
Figures, not assertions: nothing here fails on a slow machine.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
INSTRUCTION = ("Write a Conventional Commit message for this git diff: `type(scope): description`, "
               "lower case, imperative mood, no trailing period, header at most 72 characters.")
HEADER = re.compile(r"^[a-z]+(\([\w.\-/ ]+\))?!?: \S.*$")
MAX_SEQ_LENGTH, NEW_TOKENS = 192, 40


def shared_data() -> Path:
    """../shared/data/vue.jsonl beside the checkout, or beside a folder above it (for a git worktree)."""
    for folder in HERE.parent.parents:
        if (folder / "shared" / "data" / "vue.jsonl").is_file():
            return folder / "shared" / "data" / "vue.jsonl"
    return HERE.parent.parent / "shared" / "data" / "vue.jsonl"


def curated(case: dict) -> dict:
    header = re.sub(r" \(#\d+\)$", "", case["expectedMessage"].split("\n", 1)[0].strip())
    return {"instruction": INSTRUCTION, "input": case["diff"], "output": header}


def bench_config(model: Path, folder: Path, epochs: float, lr: float, batch: int) -> dict:
    return {
        "version": 1, "baseModel": str(model), "backend": "hf", "maxSeqLength": MAX_SEQ_LENGTH, "loadIn4bit": False,
        "lora": {"r": 16, "alpha": 32, "dropout": 0.0, "modulesToSave": ["embed_tokens", "lm_head"],
                 "targetModules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]},
        "batchSize": batch, "gradientAccumulationSteps": 1, "warmupSteps": 10, "epochs": epochs, "learningRate": lr,
        "loggingSteps": 10, "saveSteps": 10_000, "evalSteps": 10_000, "saveTotalLimit": 1, "maxSteps": 0,
        "gradientCheckpointing": False, "seed": 3407, "trainFile": str(folder / "train.jsonl"),
        "validationFile": str(folder / "validation.jsonl"), "outputDir": str(folder / "outputs"), "adapterDir": str(folder / "joco-lora"),
    }


def generate(model, tokenizer, examples: list[dict]) -> tuple[float, float]:
    """(share of header-valid first lines, share that stopped with EOS) of greedy outputs."""
    import torch

    from prompting import render_prompt
    from train_data import fit_input_to_budget

    valid = stopped = 0
    count = lambda text: len(tokenizer(text)["input_ids"])  # noqa: E731
    for example in examples:
        text = fit_input_to_budget(example["input"], lambda diff: count(render_prompt(INSTRUCTION, diff)), MAX_SEQ_LENGTH - NEW_TOKENS)
        ids = tokenizer(render_prompt(INSTRUCTION, text or ""), return_tensors="pt")["input_ids"]
        with torch.no_grad():
            output = model.generate(ids, max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=tokenizer.eos_token_id)
        new = output[0, ids.shape[1]:].tolist()
        stopped += tokenizer.eos_token_id in new
        valid += bool(HEADER.match(tokenizer.decode(new, skip_special_tokens=True).split("\n", 1)[0]))
    return valid / len(examples), stopped / len(examples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(shared_data()), help="a case-format JSONL file (default: ../shared/data/vue.jsonl)")
    parser.add_argument("--train", type=int, default=200)
    parser.add_argument("--held-out", type=int, default=40)
    parser.add_argument("--epochs", type=float, default=4)
    parser.add_argument("--lr", type=float, default=6e-3)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--keep", help="a folder to keep the model, data and adapter in")
    arguments = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(HERE))
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from tiny_model import build_tiny_model

    folder = Path(arguments.keep or tempfile.mkdtemp(prefix="joco-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    cases = [json.loads(line) for line in Path(arguments.data).read_text(encoding="utf-8").splitlines() if line.strip()]
    examples = [curated(case) for case in cases if HEADER.match(curated(case)["output"])]
    train, held_out = examples[:arguments.train], examples[arguments.train:arguments.train + arguments.held_out]
    (folder / "train.jsonl").write_text("".join(json.dumps(example) + "\n" for example in train), encoding="utf-8")
    (folder / "validation.jsonl").write_text("".join(json.dumps(example) + "\n" for example in held_out[:8]), encoding="utf-8")
    build_tiny_model(folder / "tiny", seed=0)
    (folder / "joco-train.json").write_text(json.dumps(bench_config(folder / "tiny", folder, arguments.epochs, arguments.lr, arguments.batch)))

    started = time.monotonic()
    result = subprocess.run([sys.executable, str(HERE / "train.py"), "--config", str(folder / "joco-train.json")],
                            capture_output=True, text=True)
    seconds = time.monotonic() - started
    events = [json.loads(line) for line in result.stdout.splitlines()]
    done = next((event for event in events if event["event"] == "done"), None)
    if done is None:
        print(result.stderr[-3000:], events[-1] if events else "no events", sep="\n")
        return 1
    tokenizer = AutoTokenizer.from_pretrained(folder / "tiny")
    base = AutoModelForCausalLM.from_pretrained(folder / "tiny")
    before = generate(base, tokenizer, held_out)
    after = generate(PeftModel.from_pretrained(base, folder / "joco-lora"), tokenizer, held_out)
    curve = done["loss_curve"]
    print(f"train.py: {len(train)} examples × {arguments.epochs:g} epochs = {done['steps']} steps in {seconds:.0f} s "
          f"(training {done['runtime']:.0f} s); loss {curve[0]['loss']:.2f} (step {curve[0]['step']}) → {curve[-1]['loss']:.2f}, "
          f"eval loss {done['eval_loss']:.2f}")
    print(f"{len(held_out)} held-out diffs, greedy: header-valid {before[0]:.1%} → {after[0]:.1%}, ended with EOS {before[1]:.1%} → {after[1]:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
