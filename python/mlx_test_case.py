"""The shared fixture of the mlx tests (test_backend_mlx.py, test_mlx_fuse.py): the
rehearsal's tiny Qwen2 (tiny_mlx_model.py), a few commit examples, and a training
config for it whose MLX conversion cache is shared by the tests of a class.
"""
import importlib.util
import json
import shutil
import tempfile
import unittest
from pathlib import Path

HAS_MLX = importlib.util.find_spec("mlx_lm") is not None
NO_MLX = "mlx-lm is not installed: npm run setup:python -- --with-mlx (on Linux it brings mlx-cpu; npm test does it)"
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def example(i: int) -> dict:
    diff = f" src/a{i}.ts | 2 +-\n\ndiff --git a/src/a{i}.ts b/src/a{i}.ts\n@@ -1 +1 @@\n-const x = {i}\n+const x = {i + 1}\n"
    return {"instruction": "Write a Conventional Commit message for this diff.", "input": diff, "output": f"fix(a{i}): bump x to {i + 1}"}


class TinyMlxCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from tiny_mlx_model import build_tiny_model

        cls.root = Path(tempfile.mkdtemp(prefix="joco-mlx-test-"))
        build_tiny_model(cls.root / "tiny")
        data = cls.root / "dataset"
        data.mkdir()
        (data / "train.jsonl").write_text("".join(json.dumps(example(i)) + "\n" for i in range(8)))
        (data / "validation.jsonl").write_text("".join(json.dumps(example(i)) + "\n" for i in range(8, 10)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def config(self, **overrides) -> dict:
        data = self.root / "dataset"
        config = {
            "version": 1, "baseModel": str(self.root / "tiny"), "backend": "mlx", "maxSeqLength": 256, "loadIn4bit": True,
            "lora": {"r": 8, "alpha": 16, "dropout": 0.0, "targetModules": TARGETS},
            "batchSize": 1, "gradientAccumulationSteps": 1, "warmupSteps": 1, "epochs": 1, "learningRate": 1e-3,
            "loggingSteps": 1, "saveSteps": 2, "evalSteps": 2, "saveTotalLimit": 2, "maxSteps": 4,
            "gradientCheckpointing": True, "seed": 1, "trainFile": str(data / "train.jsonl"),
            "validationFile": str(data / "validation.jsonl"), "outputDir": "outputs", "adapterDir": "joco-lora",
            "mlx": {"cacheDir": str(self.root / "mlx-cache")},
        }
        config.update(overrides)
        return config

