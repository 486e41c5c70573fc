import json
import tempfile
import unittest
from pathlib import Path

from prompting import format_prompt, iter_jsonl, render_prompt


class PromptingTest(unittest.TestCase):
    def test_prompt_frame_and_eos(self):
        example = {"instruction": "Write it.", "input": "diff --git a/x b/x", "output": "fix: x"}
        self.assertEqual(
            format_prompt(example, "<|endoftext|>"),
            "### Instruction:\nWrite it.\n\n### Input:\ndiff --git a/x b/x\n\n### Response:\nfix: x<|endoftext|>",
        )
        self.assertTrue(format_prompt(example, "</s>").startswith(render_prompt("Write it.", "diff --git a/x b/x")))

    def test_torn_last_line_is_skipped_but_middle_corruption_is_named(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "train.jsonl"
            path.write_text(json.dumps({"a": 1}) + "\n" + '{"a": 2')
            self.assertEqual(list(iter_jsonl(path)), [{"a": 1}])
            path.write_text('{"a": \n' + json.dumps({"a": 1}) + "\n")
            with self.assertRaisesRegex(ValueError, "train.jsonl:1"):
                list(iter_jsonl(path))


if __name__ == "__main__":
    unittest.main()
