"""The curated dataset that 04-curate writes loads with this folder's loader and renders into training text.

It reads test/fixtures/curated/, which test/dataset.test.ts regenerates with the TypeScript code and
compares byte for byte, or the folder in JOCO_DATASET_DIR (that test also points it at a fresh output).
"""
import json
import os
import re
import unittest
from collections import Counter
from pathlib import Path

from prompting import format_prompt, iter_jsonl, render_prompt

FIXTURE = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "curated"
HEADER = re.compile(r"^(?P<type>[a-z]+)(\([^()\r\n]+\))?!?: \S")
EOS = "<|endoftext|>"


def dataset_dir() -> Path:
    return Path(os.environ.get("JOCO_DATASET_DIR") or FIXTURE)


def load(split: str) -> list:
    return list(iter_jsonl(dataset_dir() / f"{split}.jsonl"))


class CuratedDatasetTest(unittest.TestCase):
    def test_every_example_renders_into_prompt_answer_and_eos(self):
        for split in ("train", "validation"):
            examples = load(split)
            self.assertGreater(len(examples), 0, split)
            for example in examples:
                self.assertEqual(set(example), {"instruction", "input", "output", "metadata"})
                self.assertEqual(set(example["metadata"]), {"id", "repository", "commitHash", "type", "scope"})
                text = format_prompt(example, EOS)
                prompt = render_prompt(example["instruction"], example["input"])
                self.assertTrue(text.startswith(prompt))
                self.assertEqual(text[len(prompt):], example["output"] + EOS)
                header = HEADER.match(example["output"])
                self.assertIsNotNone(header, example["output"])
                self.assertEqual(header.group("type"), example["metadata"]["type"])

    def test_splits_are_disjoint_and_agree_with_stats(self):
        train, validation = load("train"), load("validation")
        stats = json.loads((dataset_dir() / "stats.json").read_text(encoding="utf-8"))
        train_ids = {e["metadata"]["id"] for e in train}
        validation_ids = {e["metadata"]["id"] for e in validation}
        self.assertFalse(train_ids & validation_ids)
        self.assertEqual(len(train_ids), len(train))
        self.assertEqual(stats["examples"], {"total": len(train) + len(validation), "train": len(train), "validation": len(validation)})
        by_type = {t: {"train": 0, "validation": 0} for t in stats["byType"]}
        for split, examples in (("train", train), ("validation", validation)):
            for type_, count in Counter(e["metadata"]["type"] for e in examples).items():
                by_type.setdefault(type_, {"train": 0, "validation": 0})[split] = count
        self.assertEqual(by_type, stats["byType"])
        self.assertLessEqual(stats["tokens"]["perExample"]["max"], stats["tokens"]["maxSeqLength"])

    def test_chat_rendering_is_the_same_examples(self):
        for split in ("train", "validation"):
            path = dataset_dir() / f"{split}.chat.jsonl"
            if not path.exists():
                self.skipTest("written only with curation.chatFormat")
            for alpaca, chat in zip(load(split), iter_jsonl(path), strict=True):
                self.assertEqual([m["role"] for m in chat["messages"]], ["system", "user", "assistant"])
                self.assertEqual([m["content"] for m in chat["messages"]], [alpaca["instruction"], alpaca["input"], alpaca["output"]])
                self.assertEqual(chat["metadata"], alpaca["metadata"])


if __name__ == "__main__":
    unittest.main()
