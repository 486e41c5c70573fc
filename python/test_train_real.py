"""train.py with the hf backend on the real stack (torch CPU, transformers, peft) and the tiny Qwen2:
the response-only loss equals the full-logits loss, training lowers the loss and writes the adapter,
and SIGINT leaves a real Trainer checkpoint that a re-run resumes to the same result.
Skipped, saying why, where torch is not importable (the pure-logic tests run on any Python)."""
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
HAS_TORCH = importlib.util.find_spec("torch") is not None
NO_TORCH = "torch is not importable here: run `npm run setup:python` and the tests with .venv/bin/python"

from test_train_config import valid_config  # noqa: E402
from tiny_model import DEFAULT_TOKENIZER, build_tiny_model  # noqa: E402

TRAIN = Path(__file__).parent / "train.py"
NO_TOKENIZER = f"{DEFAULT_TOKENIZER} is missing: run `npm ci`"
INSTRUCTION = "Write a Conventional Commit message for this git diff."
VERBS = {"feat": "add", "fix": "handle", "docs": "document", "test": "cover"}


def synthetic_examples(count: int, seed: int) -> list[dict]:
    """Curated-format examples whose message can be read off the diff; the first is long enough to be truncated."""
    rng = random.Random(seed)
    examples = []
    for index in range(count):
        kind, area = rng.choice(sorted(VERBS)), rng.choice(["api", "cli", "parser"])
        name = f"{area}_{rng.randint(1, 9)}"
        lines = [f"diff --git a/src/{area}.py b/src/{area}.py", f"+++ b/src/{area}.py", f"+# {kind}: {VERBS[kind]} {name}",
                 f"+def {name}(value):", "+    return value"] + [f"+# filler {n}" for n in range(80 if index == 0 else 0)]
        examples.append({"instruction": INSTRUCTION, "input": "\n".join(lines), "output": f"{kind}({area}): {VERBS[kind]} {name}"})
    return examples


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def tiny_run_config(model: Path, folder: Path) -> dict:
    """The rehearsal's kind of settings, through the same config keys the cell writes: 8 examples,
    2 per batch × 2 accumulated, 3 epochs = 6 optimizer steps."""
    config = valid_config(
        baseModel=str(model), backend="hf", maxSeqLength=192, loadIn4bit=False, batchSize=2, gradientAccumulationSteps=2,
        warmupSteps=0, epochs=3, learningRate=3e-3, loggingSteps=1, saveSteps=100, evalSteps=3, saveTotalLimit=2,
        gradientCheckpointing=False, seed=11, trainFile=str(folder / "train.jsonl"), validationFile=str(folder / "validation.jsonl"),
        outputDir=str(folder / "outputs"), adapterDir=str(folder / "joco-lora"),
    )
    config["lora"] = {"r": 16, "alpha": 32, "dropout": 0.0, "modulesToSave": ["embed_tokens", "lm_head"],
                      "targetModules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}
    return config


def run_train(config_path: Path, *extra: str, interrupt_at_step: int | None = None) -> tuple[int, list[dict]]:
    """Runs train.py as the cell does; sends SIGINT once the given optimizer step has ended."""
    events = []
    # One thread: the tiny model's matrices are too small to share, and on a busy CI machine two
    # threads wait on each other at every operation (several times slower; the results are identical).
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    with subprocess.Popen([sys.executable, str(TRAIN), "--config", str(config_path), *extra],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=environment) as process:
        for line in process.stdout:
            events.append(json.loads(line))
            if interrupt_at_step and events[-1]["event"] == "progress" and events[-1]["step"] == interrupt_at_step:
                process.send_signal(signal.SIGINT)
    return process.returncode, events


def only(events: list[dict], kind: str) -> list[dict]:
    return [event for event in events if event["event"] == kind]


@unittest.skipUnless(HAS_TORCH, NO_TORCH)
@unittest.skipUnless((DEFAULT_TOKENIZER / "tokenizer.json").is_file(), NO_TOKENIZER)
class RealTrainingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.root = Path(cls.folder.name)
        cls.model = cls.root / "tiny-qwen2"
        build_tiny_model(cls.model, seed=0)
        write_jsonl(cls.root / "train.jsonl", synthetic_examples(8, seed=1))
        write_jsonl(cls.root / "validation.jsonl", synthetic_examples(2, seed=2))

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def project(self, name: str) -> Path:
        """A run folder with its own config (outputs, adapter) over the shared model and dataset."""
        folder = self.root / name
        folder.mkdir()
        config = tiny_run_config(self.model, self.root)
        config.update(outputDir=str(folder / "outputs"), adapterDir=str(folder / "joco-lora"))
        (folder / "joco-train.json").write_text(json.dumps(config))
        return folder

    def test_trains_to_a_lower_loss_and_writes_the_adapter_then_resumes_a_sigint_to_the_same_result(self):
        straight = self.project("straight")
        code, events = run_train(straight / "joco-train.json")
        self.assertEqual(code, 0, events[-1])
        start, done = only(events, "start")[0], only(events, "done")[0]
        self.assertEqual((start["backend"], start["device"], start["examples"], start["validation"]), ("hf", "cpu", 8, 2))
        self.assertEqual((start["truncated"], start["eos_token"], start["total_steps"]), (2, "<|endoftext|>", 6))
        losses = [point["loss"] for point in done["loss_curve"]]
        self.assertEqual([point["step"] for point in done["loss_curve"]], [1, 2, 3, 4, 5, 6])
        self.assertLess(losses[-1], losses[0] - 0.5, losses)
        self.assertLess(done["eval_loss"], only(events, "eval")[0]["eval_loss"])
        adapter = json.loads((straight / "joco-lora" / "adapter_config.json").read_text())
        self.assertEqual((adapter["r"], adapter["lora_alpha"]), (16, 32))
        self.assertEqual(sorted(adapter["modules_to_save"]), ["embed_tokens", "lm_head"])
        self.assertTrue((straight / "joco-lora" / "adapter_model.safetensors").is_file())
        self.assertEqual(json.loads((straight / "joco-lora" / "joco-training.json").read_text())["eosToken"], "<|endoftext|>")

        resumed = self.project("interrupted")
        code, first = run_train(resumed / "joco-train.json", interrupt_at_step=2)
        self.assertEqual(code, 130, first[-1])
        stopped = only(first, "stopped")[0]
        self.assertEqual(stopped["checkpoint"], str(resumed / "outputs" / f"checkpoint-{stopped['step']}"))
        self.assertTrue((Path(stopped["checkpoint"]) / "trainer_state.json").is_file())
        self.assertTrue((Path(stopped["checkpoint"]) / "optimizer.pt").is_file())
        code, second = run_train(resumed / "joco-train.json", "--resume-from", "auto")
        self.assertEqual(code, 0, second[-1])
        self.assertEqual(only(second, "start")[0]["resume_step"], stopped["step"])
        self.assertEqual(only(second, "progress")[0]["step"], stopped["step"] + 1)
        again = only(second, "done")[0]
        self.assertEqual([point["step"] for point in again["loss_curve"]], [1, 2, 3, 4, 5, 6], "the curve spans both sessions")
        # Optimizer, scheduler, RNG and data order come back from the checkpoint: the same run, cut in two.
        self.assertAlmostEqual(again["train_loss"], done["train_loss"], places=4)
        self.assertAlmostEqual(again["eval_loss"], done["eval_loss"], places=4)


@unittest.skipUnless(HAS_TORCH, NO_TORCH)
@unittest.skipUnless((DEFAULT_TOKENIZER / "tokenizer.json").is_file(), NO_TOKENIZER)
class ResponseOnlyLossTest(unittest.TestCase):
    def test_equals_the_full_logits_masked_loss_and_its_gradients(self):
        import torch
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM, AutoTokenizer

        from train_data import encode_dataset, pad_batch
        from train_loss import full_logits_loss, response_only_loss

        with tempfile.TemporaryDirectory() as folder:
            build_tiny_model(folder, seed=3)
            tokenizer = AutoTokenizer.from_pretrained(folder)
            model = AutoModelForCausalLM.from_pretrained(folder)
        model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                                 modules_to_save=["lm_head"], init_lora_weights=False))
        encode = lambda text, special: tokenizer(text, add_special_tokens=special)["input_ids"]  # noqa: E731
        rows, _ = encode_dataset(synthetic_examples(3, seed=4), encode, tokenizer.eos_token_id, 192)
        batch = {key: torch.tensor(value) for key, value in pad_batch(rows, tokenizer.eos_token_id).items()}
        self.assertGreater(int((batch["attention_mask"] == 0).sum()), 0, "the batch is padded")

        def loss_and_gradients(loss_function):
            model.zero_grad()
            loss = loss_function(model, batch["input_ids"], batch["attention_mask"], batch["labels"])
            loss.backward()
            return loss.item(), [p.grad.clone() for p in model.parameters() if p.requires_grad]

        ours, our_gradients = loss_and_gradients(response_only_loss)
        reference, reference_gradients = loss_and_gradients(full_logits_loss)
        self.assertAlmostEqual(ours, reference, places=5)
        for mine, theirs in zip(our_gradients, reference_gradients):
            torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-6)
        labelled = int((batch["labels"][:, 1:] != -100).sum())
        summed = response_only_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"], num_items_in_batch=4 * labelled)
        self.assertAlmostEqual(summed.item(), reference / 4, places=5, msg="divided by the Trainer's count across accumulation")


if __name__ == "__main__":
    unittest.main()
