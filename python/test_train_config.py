import json
import tempfile
import unittest
from pathlib import Path

from train_config import ConfigError, MlxSettings, load_config, parse_config


def valid_config(**overrides):
    """The shape cell 05-train writes (runbook/00-config.ts `training` + paths)."""
    config = {
        "version": 1,
        "baseModel": "unsloth/Qwen2.5-Coder-1.5B-bnb-4bit", "backend": "auto", "maxSeqLength": 2048, "loadIn4bit": True,
        "lora": {"r": 16, "alpha": 32, "dropout": 0.05, "targetModules": ["q_proj", "v_proj"]},
        "batchSize": 1, "gradientAccumulationSteps": 4, "warmupSteps": 10, "epochs": 3, "learningRate": 2e-4,
        "loggingSteps": 10, "saveSteps": 50, "evalSteps": 50, "saveTotalLimit": 3, "maxSteps": 0,
        "gradientCheckpointing": True, "seed": 3407,
        "trainFile": "dataset/train.jsonl", "validationFile": "dataset/validation.jsonl",
        "outputDir": "outputs", "adapterDir": "joco-lora", "datasetSha256": "ab12",
    }
    config.update(overrides)
    return config


class ParseConfigTest(unittest.TestCase):
    def test_reads_every_key_into_snake_case_fields(self):
        config = parse_config(valid_config())
        self.assertEqual(config.max_seq_length, 2048)
        self.assertEqual(config.lora.target_modules, ("q_proj", "v_proj"))
        self.assertEqual(config.lora.alpha, 32)
        self.assertAlmostEqual(config.learning_rate, 2e-4)
        self.assertEqual((config.output_dir, config.adapter_dir, config.dataset_sha256), ("outputs", "joco-lora", "ab12"))

    def test_names_every_bad_key_path_at_once(self):
        raw = valid_config(batchSize=0, backend="mps", loadIn4bit="yes", extra=1)
        raw["lora"] = {"r": 16, "alpha": 32, "dropout": 1.5, "targetModules": [], "rank": 3}
        del raw["seed"]
        with self.assertRaises(ConfigError) as caught:
            parse_config(raw)
        message = str(caught.exception)
        for expected in ("batchSize: expected a positive integer, got 0", "backend: expected one of auto, unsloth, hf, mlx",
                         'loadIn4bit: expected true or false, got "yes"', "extra: unknown key", "seed: missing",
                         "lora.dropout: expected a number in [0, 1)", "lora.targetModules: expected a non-empty list",
                         "lora.rank: unknown key"):
            self.assertIn(expected, message)

    def test_modules_to_save_are_optional_and_must_be_names(self):
        self.assertEqual(parse_config(valid_config()).lora.modules_to_save, ())
        raw = valid_config()
        raw["lora"] = {**raw["lora"], "modulesToSave": ["embed_tokens", "lm_head"]}
        self.assertEqual(parse_config(raw).lora.modules_to_save, ("embed_tokens", "lm_head"))
        raw["lora"]["modulesToSave"] = "lm_head"
        with self.assertRaisesRegex(ConfigError, 'lora.modulesToSave: expected a list of names, got "lm_head"'):
            parse_config(raw)

    def test_booleans_are_not_integers_and_lora_must_be_an_object(self):
        with self.assertRaisesRegex(ConfigError, "maxSteps: expected an integer ≥ 0, got true"):
            parse_config(valid_config(maxSteps=True))
        with self.assertRaisesRegex(ConfigError, "lora: expected an object"):
            parse_config(valid_config(lora=[16]))

    def test_the_mlx_section_is_optional_and_checked(self):
        self.assertEqual(parse_config(valid_config()).mlx, MlxSettings())
        config = parse_config(valid_config(backend="mlx", mlx={"model": "mlx-community/x-4bit", "numLayers": 8, "cacheDir": None}))
        self.assertEqual((config.backend, config.mlx.model, config.mlx.num_layers), ("mlx", "mlx-community/x-4bit", 8))
        with self.assertRaises(ConfigError) as caught:
            parse_config(valid_config(mlx={"numLayers": 0, "quantize": True}))
        self.assertIn("mlx.numLayers: expected -1 (all) or a positive integer, got 0", str(caught.exception))
        self.assertIn("mlx.quantize: unknown key", str(caught.exception))

    def test_load_config_names_the_file(self):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "joco-train.json"
            path.write_text("{not json")
            with self.assertRaisesRegex(ConfigError, "joco-train.json: not valid JSON"):
                load_config(path)
            path.write_text(json.dumps(valid_config(epochs=-1)))
            with self.assertRaisesRegex(ConfigError, "joco-train.json: invalid training config:\n  - epochs: expected a positive number"):
                load_config(path)
            with self.assertRaisesRegex(ConfigError, "cannot read the training config"):
                load_config(Path(folder) / "missing.json")


if __name__ == "__main__":
    unittest.main()
