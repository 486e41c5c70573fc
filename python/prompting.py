"""The training prompt, mirrored from lib/prompt.ts (the Alpaca frame of the plan).

Standard library only: train.py, export.py and the unit tests import it without torch.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator


def render_prompt(instruction: str, input_text: str) -> str:
    """The prompt up to and including '### Response:\\n' — what the model sees before it answers."""
    return f"### Instruction:\n{instruction}\n\n### Input:\n{input_text}\n\n### Response:\n"


def format_prompt(example: dict, eos_token: str = "") -> str:
    """A full training text: prompt, answer, then EOS so that the model learns to stop."""
    return render_prompt(example["instruction"], example["input"]) + example["output"] + eos_token


def iter_jsonl(path: str | Path) -> Iterator[dict]:
    """Curated examples, one JSON object a line; a torn last line (a crashed writer) is skipped."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as error:
            if number == len(lines):
                return
            raise ValueError(f"{path}:{number}: not valid JSON ({error})") from error
