import re
import tempfile
import unittest
from pathlib import Path

from prompting import format_prompt, render_prompt
from train_data import (
    IGNORE_INDEX, SAFETY_MARGIN_TOKENS, encode_dataset, encode_example, fit_input_to_budget, load_examples, pad_batch,
    render_dataset, render_training_text,
)

EOS_ID, BOS_ID = 0, 1


class WordTokenizer:
    """A deterministic stand-in tokenizer: words, punctuation and single whitespace characters are tokens."""

    def __init__(self, bos: bool = False):
        self.vocab = {"<eos>": EOS_ID, "<bos>": BOS_ID}
        self.bos = bos

    def pieces(self, text):
        return re.findall(r"\w+|[^\w\s]|\s", text)

    def encode(self, text, add_special_tokens):
        ids = [self.vocab.setdefault(piece, len(self.vocab)) for piece in self.pieces(text)]
        return ([BOS_ID] if self.bos and add_special_tokens else []) + ids

    def decode(self, ids):
        inverse = {v: k for k, v in self.vocab.items()}
        return "".join(inverse[i] for i in ids)

    def count(self, text):
        """Token count of a text in which "<eos>" is one special token."""
        return len(self.pieces(text.replace("<eos>", ""))) + text.count("<eos>")


EXAMPLE = {"instruction": "Write the message.", "input": "diff --git a/x.py b/x.py\n+print(1)", "output": "fix(x): print one"}


class EncodeExampleTest(unittest.TestCase):
    def test_labels_mask_the_prompt_and_cover_the_answer_and_eos(self):
        tokenizer = WordTokenizer()
        encoded = encode_example(EXAMPLE, tokenizer.encode, EOS_ID, 512)
        prompt_length = len(tokenizer.encode(render_prompt(EXAMPLE["instruction"], EXAMPLE["input"]), True))
        self.assertEqual(encoded.response_start, prompt_length)
        self.assertEqual(encoded.labels[:prompt_length], [IGNORE_INDEX] * prompt_length)
        self.assertEqual(encoded.labels[prompt_length:], encoded.input_ids[prompt_length:])
        self.assertEqual(encoded.input_ids[-1], EOS_ID)
        self.assertEqual(tokenizer.decode(encoded.input_ids[:prompt_length]), render_prompt(EXAMPLE["instruction"], EXAMPLE["input"]))
        self.assertTrue(tokenizer.decode(encoded.input_ids[:prompt_length]).endswith("### Response:\n"))
        self.assertEqual(tokenizer.decode(encoded.input_ids[prompt_length:-1]), "fix(x): print one")
        self.assertEqual(tokenizer.decode(encoded.input_ids), format_prompt(EXAMPLE, "<eos>"))
        self.assertFalse(encoded.truncated)

    def test_a_bos_token_belongs_to_the_prompt(self):
        tokenizer = WordTokenizer(bos=True)
        encoded = encode_example(EXAMPLE, tokenizer.encode, EOS_ID, 512)
        self.assertEqual(encoded.input_ids[0], BOS_ID)
        self.assertEqual(encoded.labels[0], IGNORE_INDEX)
        self.assertEqual(encoded.labels.count(BOS_ID), 0)

    def test_a_long_diff_is_cut_at_a_line_end_so_that_the_answer_survives(self):
        tokenizer = WordTokenizer()
        diff = "\n".join(f"+line number {n} of the diff" for n in range(200))
        example = {**EXAMPLE, "input": diff}
        encoded = encode_example(example, tokenizer.encode, EOS_ID, 300)
        self.assertTrue(encoded.truncated)
        self.assertLessEqual(len(encoded.input_ids), 300 - SAFETY_MARGIN_TOKENS)
        self.assertGreater(len(encoded.input_ids), 300 - SAFETY_MARGIN_TOKENS - 15, "no more than a line is given up")
        self.assertEqual(tokenizer.decode(encoded.input_ids[encoded.response_start:-1]), "fix(x): print one")
        prompt = tokenizer.decode(encoded.input_ids[: encoded.response_start])
        kept = prompt.split("### Input:\n")[1].split("\n\n### Response:")[0]
        self.assertTrue(diff.startswith(kept))
        self.assertTrue(kept.endswith("of the diff"), "cut at the end of a whole line")

    def test_an_example_whose_frame_and_answer_cannot_fit_is_dropped(self):
        tokenizer = WordTokenizer()
        rows, stats = encode_dataset([EXAMPLE, {**EXAMPLE, "output": "word " * 100}], tokenizer.encode, EOS_ID, 60)
        self.assertEqual((stats.examples, stats.dropped), (1, 1))
        self.assertEqual(len(rows), 1)


class FitInputTest(unittest.TestCase):
    def test_keeps_input_that_fits_and_cuts_the_rest_within_budget(self):
        count = len
        self.assertEqual(fit_input_to_budget("abc", count, 3), "abc")
        self.assertEqual(fit_input_to_budget("ab\ncd\nef", count, 6), "ab\ncd")
        self.assertEqual(fit_input_to_budget("abcdefgh", count, 5), "abcde", "no line end: cut at the budget")
        self.assertIsNone(fit_input_to_budget("abc", lambda text: len(text) + 10, 5))


class RenderTextTest(unittest.TestCase):
    def test_the_unsloth_text_is_format_prompt_with_eos_and_a_truncated_diff(self):
        tokenizer = WordTokenizer()
        text, truncated = render_training_text(EXAMPLE, tokenizer.count, "<eos>", 512)
        self.assertEqual(text, format_prompt(EXAMPLE, "<eos>"))
        self.assertFalse(truncated)
        long_example = {**EXAMPLE, "input": "\n".join(f"+line {n}" for n in range(500))}
        texts, stats = render_dataset([long_example], tokenizer.count, "<eos>", 200)
        self.assertEqual(stats.truncated, 1)
        self.assertTrue(texts[0].endswith("### Response:\nfix(x): print one<eos>"))
        self.assertLessEqual(tokenizer.count(texts[0]), 200)


class PadBatchTest(unittest.TestCase):
    def test_pads_right_and_keeps_an_eos_that_equals_the_pad_token_in_the_loss(self):
        batch = pad_batch([
            {"input_ids": [5, 6, EOS_ID], "labels": [IGNORE_INDEX, 6, EOS_ID]},
            {"input_ids": [7, EOS_ID], "labels": [IGNORE_INDEX, EOS_ID]},
        ], pad_id=EOS_ID)
        self.assertEqual(batch["input_ids"], [[5, 6, EOS_ID], [7, EOS_ID, EOS_ID]])
        self.assertEqual(batch["attention_mask"], [[1, 1, 1], [1, 1, 0]])
        self.assertEqual(batch["labels"], [[IGNORE_INDEX, 6, EOS_ID], [IGNORE_INDEX, EOS_ID, IGNORE_INDEX]])


class LoadExamplesTest(unittest.TestCase):
    def test_names_the_example_that_lacks_a_field(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "train.jsonl"
            path.write_text('{"instruction": "i", "input": "d", "output": "o"}\n{"instruction": "i", "input": "d"}\n')
            with self.assertRaisesRegex(ValueError, "train.jsonl: example 2 has no string output"):
                load_examples(path)


if __name__ == "__main__":
    unittest.main()
