"""Turning curated examples into what the model trains on (DESIGN §7), standard library only.

- The text is exactly `prompting.format_prompt(example, eos)`: the Alpaca frame the
  model is served with, then the answer, then the tokenizer's EOS so it learns to stop.
- The diff is cut to a token budget *before* formatting, so prompt + answer fit in
  max_seq_length and no example loses its answer (a trainer's own truncation would
  cut the end: the answer and the EOS).
- Loss covers the response only: prompt positions get the label IGNORE_INDEX.
  Prompt and response are tokenized separately, as at serving time, where the
  prompt is tokenized on its own and the model continues it.
Tokenizers are passed in as plain functions, so all of this is testable without one.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from prompting import format_prompt, iter_jsonl, render_prompt

IGNORE_INDEX = -100
# Room for tokenizer boundary effects (a merge across the cut) so that the budget is never exceeded.
SAFETY_MARGIN_TOKENS = 4
EXAMPLE_KEYS = ("instruction", "input", "output")

Encode = Callable[[str, bool], list]  # (text, add_special_tokens) → token ids
CountTokens = Callable[[str], int]


def load_examples(path: str | Path) -> list[dict]:
    """Curated examples; an example without a string instruction/input/output is named by number."""
    examples = []
    for number, example in enumerate(iter_jsonl(path), start=1):
        bad = [key for key in EXAMPLE_KEYS if not isinstance(example.get(key), str)]
        if bad:
            raise ValueError(f"{path}: example {number} has no string {', '.join(bad)}")
        examples.append(example)
    return examples


def fit_input_to_budget(input_text: str, count_prompt_tokens: CountTokens, budget: int) -> str | None:
    """The longest start of `input_text` whose rendered prompt has at most `budget` tokens,
    cut at the end of a line where there is one; None when even an empty input is too long."""
    if count_prompt_tokens(input_text) <= budget:
        return input_text
    if count_prompt_tokens("") > budget:
        return None
    fits, too_long = 0, len(input_text)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if count_prompt_tokens(input_text[:middle]) <= budget:
            fits = middle
        else:
            too_long = middle
    line_end = input_text.rfind("\n", 0, fits)
    return input_text[:line_end] if line_end > 0 else input_text[:fits]


@dataclass(frozen=True)
class EncodedExample:
    input_ids: list
    labels: list
    truncated: bool

    @property
    def response_start(self) -> int:
        """Index of the first position the loss covers."""
        return next(i for i, label in enumerate(self.labels) if label != IGNORE_INDEX)


def encode_example(example: dict, encode: Encode, eos_id: int, max_seq_length: int) -> EncodedExample | None:
    """Token ids and labels for the transformers+peft path; None when it cannot fit."""
    response_ids = list(encode(example["output"], False)) + [eos_id]
    instruction = example["instruction"]
    budget = max_seq_length - len(response_ids) - SAFETY_MARGIN_TOKENS
    input_text = fit_input_to_budget(example["input"], lambda text: len(encode(render_prompt(instruction, text), True)), budget)
    if input_text is None:
        return None
    prompt_ids = list(encode(render_prompt(instruction, input_text), True))
    return EncodedExample(
        input_ids=prompt_ids + response_ids,
        labels=[IGNORE_INDEX] * len(prompt_ids) + response_ids,
        truncated=input_text != example["input"],
    )


def render_training_text(example: dict, count_tokens: CountTokens, eos_token: str, max_seq_length: int) -> tuple[str | None, bool]:
    """The full training text for the Unsloth/trl path (which tokenizes text itself); (None, _) when it cannot fit."""
    budget = max_seq_length - count_tokens(example["output"] + eos_token) - SAFETY_MARGIN_TOKENS
    instruction = example["instruction"]
    input_text = fit_input_to_budget(example["input"], lambda text: count_tokens(render_prompt(instruction, text)), budget)
    if input_text is None:
        return None, False
    return format_prompt({**example, "input": input_text}, eos_token), input_text != example["input"]


@dataclass
class DatasetStats:
    examples: int = 0
    truncated: int = 0
    dropped: int = 0


def encode_dataset(examples: list[dict], encode: Encode, eos_id: int, max_seq_length: int) -> tuple[list[dict], DatasetStats]:
    rows, stats = [], DatasetStats()
    for example in examples:
        encoded = encode_example(example, encode, eos_id, max_seq_length)
        if encoded is None:
            stats.dropped += 1
            continue
        stats.truncated += encoded.truncated
        rows.append({"input_ids": encoded.input_ids, "labels": encoded.labels})
    stats.examples = len(rows)
    return rows, stats


@dataclass
class TokenizedSplits:
    train: list[dict]
    train_stats: DatasetStats
    validation: list[dict]
    validation_stats: DatasetStats


def tokenize_splits(tokenizer, source: str, train_examples: list[dict], validation_examples: list[dict],
                    max_seq_length: int) -> TokenizedSplits:
    """Both splits through a Hugging Face tokenizer, the frame's EOS appended; what every backend trains on."""
    if tokenizer.eos_token_id is None:
        raise ValueError(f"the tokenizer of {source} has no EOS token: the model could not learn to stop")

    def encode(text: str, add_special_tokens: bool) -> list:
        return tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"]

    train, train_stats = encode_dataset(train_examples, encode, tokenizer.eos_token_id, max_seq_length)
    validation, validation_stats = encode_dataset(validation_examples, encode, tokenizer.eos_token_id, max_seq_length)
    if not train:
        raise ValueError(f"no training example fits in maxSeqLength {max_seq_length}: raise training.maxSeqLength")
    return TokenizedSplits(train, train_stats, validation, validation_stats)


def render_dataset(examples: list[dict], count_tokens: CountTokens, eos_token: str, max_seq_length: int) -> tuple[list[str], DatasetStats]:
    texts, stats = [], DatasetStats()
    for example in examples:
        text, truncated = render_training_text(example, count_tokens, eos_token, max_seq_length)
        if text is None:
            stats.dropped += 1
            continue
        stats.truncated += truncated
        texts.append(text)
    stats.examples = len(texts)
    return texts, stats


def pad_batch(features: list[dict], pad_id: int) -> dict[str, list[list[int]]]:
    """Right-pads a batch. Labels are padded by position with IGNORE_INDEX, never by
    matching pad_id: Qwen's pad token is its EOS, and masking by id would drop the
    EOS from the loss, so the model would never learn to stop."""
    width = max(len(feature["input_ids"]) for feature in features)
    batch = {"input_ids": [], "attention_mask": [], "labels": []}
    for feature in features:
        padding = width - len(feature["input_ids"])
        batch["input_ids"].append(list(feature["input_ids"]) + [pad_id] * padding)
        batch["attention_mask"].append([1] * len(feature["input_ids"]) + [0] * padding)
        batch["labels"].append(list(feature["labels"]) + [IGNORE_INDEX] * padding)
    return batch
