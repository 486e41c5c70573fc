"""The mlx backend for real, with MLX's CPU backend on Linux (mlx-cpu) or Metal on a Mac,
on the rehearsal's tiny Qwen2 converted to 4-bit MLX: train, SIGINT and resume, and the
response-only loss. Skipped, saying how to install it, where mlx-lm is missing.
"""
import json
import signal
import subprocess
import sys
import unittest
from pathlib import Path

from mlx_test_case import HAS_MLX, NO_MLX, TinyMlxCase
from test_train_main import TRAIN


def read_events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@unittest.skipUnless(HAS_MLX, NO_MLX)
class MlxBackendTest(TinyMlxCase):
    def start(self, folder: Path, config: dict, resume: bool = False) -> subprocess.Popen:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "joco-train.json").write_text(json.dumps(config))
        command = [sys.executable, str(TRAIN), "--config", "joco-train.json"] + (["--resume-from", "auto"] if resume else [])
        return subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def run_train(self, folder: Path, config: dict, resume: bool = False) -> tuple[int, list[dict]]:
        process = self.start(folder, config, resume)
        stdout, stderr = process.communicate(timeout=300)
        self.assertIn(process.returncode, (0, 130), stderr[-3000:])
        return process.returncode, read_events(stdout)

    reference: list | None = None

    def uninterrupted(self) -> list[dict]:
        """One whole run: checked on its own, and the reference for the interrupted one."""
        if MlxBackendTest.reference is None:
            code, events = self.run_train(self.root / "run", self.config(maxSteps=6))
            self.assertEqual(code, 0)
            MlxBackendTest.reference = events
        return MlxBackendTest.reference

    def test_trains_evaluates_checkpoints_and_saves_the_adapter(self):
        events = self.uninterrupted()
        start = next(event for event in events if event["event"] == "start")
        self.assertEqual((start["backend"], start["total_steps"], start["examples"], start["validation"]), ("mlx", 6, 8, 2))
        self.assertTrue(start["device"].startswith("mlx "))
        self.assertEqual([e["step"] for e in events if e["event"] == "progress"], [1, 2, 3, 4, 5, 6])
        self.assertEqual([e["step"] for e in events if e["event"] == "eval"], [2, 4, 6])
        self.assertEqual([e["step"] for e in events if e["event"] == "checkpoint"], [2, 4, 6])
        done = events[-1]
        self.assertEqual((done["event"], done["steps"]), ("done", 6))
        self.assertEqual([point["step"] for point in done["loss_curve"]], [1, 2, 3, 4, 5, 6])
        self.assertLess(done["eval_loss"], 12.5)  # ln(151,665) ≈ 11.9 for a random model: a real loss, no NaN
        folder = self.root / "run"
        adapter = folder / "joco-lora"
        for name in ("adapters.safetensors", "adapter_config.json", "tokenizer.json", "joco-mlx.json", "joco-training.json"):
            self.assertTrue((adapter / name).is_file(), name)
        source = json.loads((adapter / "joco-mlx.json").read_text())
        self.assertEqual((source["source"], source["hf_model"], source["quantization"]),
                         ("converted", str(self.root / "tiny"), {"bits": 4, "group_size": 64}))
        self.assertEqual(json.loads((adapter / "joco-training.json").read_text())["backend"], "mlx")
        self.assertEqual(sorted(p.name for p in (folder / "outputs").glob("checkpoint-*")), ["checkpoint-4", "checkpoint-6"])

    def test_sigint_saves_a_checkpoint_and_a_rerun_continues_to_the_same_losses(self):
        folder = self.root / "interrupted"
        config = self.config(maxSteps=6)
        process = self.start(folder, config)
        seen = []
        for line in process.stdout:
            seen.append(json.loads(line))
            if seen[-1]["event"] == "progress":
                process.send_signal(signal.SIGINT)
                break
        rest, stderr = process.communicate(timeout=300)
        events = seen + read_events(rest)
        self.assertEqual(process.returncode, 130, stderr[-3000:])
        stopped = events[-1]
        self.assertEqual(stopped["event"], "stopped")
        self.assertTrue(1 <= stopped["step"] < 6)
        self.assertEqual(Path(stopped["checkpoint"]).name, f"checkpoint-{stopped['step']}")
        self.assertTrue((folder / stopped["checkpoint"] / "adapters.safetensors").is_file())

        code, resumed = self.run_train(folder, config, resume=True)
        self.assertEqual(code, 0)
        start = next(event for event in resumed if event["event"] == "start")
        self.assertEqual(start["resume_step"], stopped["step"])
        self.assertTrue(start["resumed_from"].endswith(f"checkpoint-{stopped['step']}"))
        self.assertEqual(next(e for e in resumed if e["event"] == "progress")["step"], stopped["step"] + 1)
        done, reference = resumed[-1], self.uninterrupted()[-1]
        self.assertEqual((done["event"], done["steps"]), ("done", 6))
        # Same data order, Adam state and learning rate after the restart: the curve of an uninterrupted run.
        self.assertEqual([p["step"] for p in done["loss_curve"]], list(range(1, 7)))
        for point, expected in zip(done["loss_curve"], reference["loss_curve"]):
            self.assertAlmostEqual(point["loss"], expected["loss"], places=4)

    def test_the_loss_covers_exactly_the_response_tokens(self):
        import mlx.core as mx
        import mlx.nn as nn
        from mlx_lm.tuner.trainer import default_loss
        from mlx_lm.utils import load_model

        from backend_mlx import make_response_loss
        from mlx_base import resolve_mlx_base
        from train_config import parse_config

        base = resolve_mlx_base(parse_config(self.config()), lambda _: None)
        model = load_model(Path(base.path))[0]
        batch = mx.array([[5, 6, 7, 8, 9, 10, 11, 0, 0], [5, 6, 7, 8, 9, 10, 11, 12, 13]])
        lengths = mx.array([[4, 7], [3, 9]])  # (offset, length): responses are tokens 4–6 and 3–8
        loss, count = make_response_loss(mx, nn, 8)(model, batch, lengths)
        logits = model(batch[:, :-1]).astype(mx.float32)
        expected, tokens = 0.0, 0
        for row, (offset, length) in enumerate([(4, 7), (3, 9)]):
            for position in range(offset - 1, length - 1):  # position p predicts token p + 1
                expected -= (logits[row, position] - mx.logsumexp(logits[row, position])).tolist()[batch[row, position + 1].item()]
                tokens += 1
        self.assertEqual(count.item(), tokens)
        self.assertAlmostEqual(loss.item(), expected / tokens, places=4)
        # mlx-lm's default_loss also counts the position after a padded row's last token, learning a pad after EOS.
        self.assertEqual(default_loss(model, batch, lengths)[1].item(), tokens + 1)

    def test_modules_to_save_are_trained_in_full_and_fused_with_the_rest(self):
        import dataclasses
        from types import SimpleNamespace

        import mlx.core as mx

        from backend_mlx import prepare
        from mlx_fuse import fuse_to_hf
        from train_config import parse_config
        from train_data import load_examples

        folder = self.root / "full"
        config = parse_config(self.config(outputDir=str(folder / "outputs"), maxSteps=2, evalSteps=100, saveSteps=100))
        # lora.modulesToSave (the tiny rehearsal model learns only with it), whether or not this config knows the key yet.
        lora = SimpleNamespace(**{**dataclasses.asdict(config.lora), "modules_to_save": ("embed_tokens", "lm_head")})
        config = dataclasses.replace(config, lora=lora)
        notes = []
        prepared = prepare(config, load_examples(config.train_file), load_examples(config.validation_file), notes.append)
        self.assertIn("training lm_head, model.embed_tokens in full beside the LoRA (lora.modulesToSave)", notes)
        model = prepared.trainer.model
        before = mx.array(model.lm_head.weight)
        prepared.trainer.train()
        self.assertEqual(prepared.trainer.state.global_step, 2)
        self.assertGreater(mx.abs(model.lm_head.weight - before).max().item(), 0)
        prepared.save(str(folder / "joco-lora"))
        saved = mx.load(str(folder / "joco-lora" / "adapters.safetensors"))
        self.assertIn("model.embed_tokens.weight", saved)
        self.assertTrue(any(name.endswith("lora_a") for name in saved))
        merged = fuse_to_hf(folder / "joco-lora", folder / "merged")
        head = mx.load(str(Path(merged["path"]) / "model.safetensors"))["lm_head.weight"]
        self.assertTrue(mx.allclose(head.astype(mx.float32), model.lm_head.weight.astype(mx.bfloat16).astype(mx.float32)).item())


if __name__ == "__main__":
    unittest.main()
