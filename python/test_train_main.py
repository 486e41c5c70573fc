import importlib.util
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

from test_train_config import valid_config

TRAIN = Path(__file__).parent / "train.py"


def run_train(config: dict | str, folder: Path) -> tuple[int, list[dict], str]:
    path = folder / "joco-train.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    result = subprocess.run([sys.executable, str(TRAIN), "--config", str(path)], cwd=folder, capture_output=True, text=True, timeout=60)
    return result.returncode, [json.loads(line) for line in result.stdout.splitlines()], result.stderr


class TrainMainTest(unittest.TestCase):
    def test_a_bad_config_is_one_error_event_with_a_hint_and_the_trace_on_stderr(self):
        with tempfile.TemporaryDirectory() as folder:
            code, events, stderr = run_train(valid_config(batchSize="1"), Path(folder))
        self.assertEqual(code, 1)
        self.assertEqual([event["event"] for event in events], ["error"])
        self.assertIn('batchSize: expected a positive integer, got "1"', events[0]["message"])
        self.assertIn("runbook/05-train.ts", events[0]["hint"])
        self.assertIn("Traceback", stderr)

    @unittest.skipIf(importlib.util.find_spec("torch") is not None, "torch is installed here: this checks the machine without it")
    def test_without_torch_the_error_event_says_how_to_install_it(self):
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            (root / "dataset").mkdir()
            (root / "dataset/train.jsonl").write_text(json.dumps({"instruction": "i", "input": "d", "output": "fix: o"}) + "\n")
            code, events, _ = run_train(valid_config(), root)
        self.assertEqual(code, 1)
        self.assertEqual(events[-1]["event"], "error")
        self.assertIn("No module named 'torch'", events[-1]["message"])
        self.assertIn("npm run setup:python", events[-1]["hint"])

    def test_a_missing_training_file_is_named(self):
        with tempfile.TemporaryDirectory() as folder:
            code, events, _ = run_train(valid_config(trainFile="nowhere/train.jsonl"), Path(folder))
        self.assertEqual(code, 1)
        self.assertIn("nowhere/train.jsonl", events[-1]["message"])


if __name__ == "__main__":
    unittest.main()
