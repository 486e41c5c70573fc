"""export.py on an adapter of the mlx backend, the parts that need no mlx: the route plan
(never unsloth), and the error when this Python cannot fuse (the real fuse and export:
test_mlx_fuse.py, test_export_mlx_e2e.py)."""
import json
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import export
from export_mlx import MLX_HINT, merge_description, missing_mlx, mlx_unavailable
from export_plan import why_not_unsloth
from test_export import run_main


def adapter_trained_by(backend: str) -> str:
    folder = tempfile.mkdtemp()
    (Path(folder) / "joco-training.json").write_text(json.dumps({"backend": backend}))
    return folder


def absent(name):
    raise ModuleNotFoundError(f"No module named '{name}'")


class MlxExportPlanTest(unittest.TestCase):
    def test_unsloth_is_never_a_candidate_for_an_mlx_adapter_even_asked_for(self):
        works = {"find_spec": lambda _: object(), "cuda": lambda: True, "importer": lambda _: None}
        for requested in (False, True):
            why = why_not_unsloth(adapter_trained_by("mlx"), requested, **works)
            self.assertIn("trained by the mlx backend", why)
            self.assertIn("not a peft adapter", why)

    def test_mlx_must_import_only_for_an_mlx_adapter(self):
        self.assertIsNone(mlx_unavailable(adapter_trained_by("hf"), importer=absent))
        self.assertIsNone(mlx_unavailable(adapter_trained_by("mlx"), importer=lambda _: None))
        why = mlx_unavailable(adapter_trained_by("mlx"), importer=absent)
        self.assertIn("was trained by the mlx backend", why)
        self.assertIn("mlx.core does not import (ModuleNotFoundError: No module named 'mlx.core')", why)
        self.assertEqual(missing_mlx(lambda name: absent(name) if name == "mlx_lm" else None),
                         "mlx_lm does not import (ModuleNotFoundError: No module named 'mlx_lm')")

    def test_the_merge_says_whether_it_de_quantized(self):
        self.assertEqual(merge_description({"dequantized": True}), "mlx fuse (de-quantized)")
        self.assertEqual(merge_description({"dequantized": False}), "mlx fuse (16-bit base)")

    def test_without_mlx_the_export_stops_first_with_the_setup_hint(self):
        config = {k: "/nonexistent" for k in export.REQUIRED_KEYS} | {"quantization": "q8_0", "route": "auto", "adapter": adapter_trained_by("mlx")}
        with mock.patch.dict(sys.modules, {"mlx.core": None, "mlx_lm": None}):  # as in a Python without mlx
            code, events = run_main(config)
        self.assertEqual((code, [e["event"] for e in events]), (1, ["error"]))
        self.assertIn("trained by the mlx backend", events[0]["message"])
        self.assertEqual(events[0]["hint"], MLX_HINT)
        self.assertIn("npm run setup:python -- --with-mlx", MLX_HINT)

    def test_auto_skips_unsloth_for_an_mlx_adapter_and_says_why(self):
        config = {k: "/nonexistent" for k in export.REQUIRED_KEYS} | {
            "quantization": "q8_0", "route": "auto", "adapter": adapter_trained_by("mlx"), "llamaBundle": "/nonexistent/gitRelease.bundle"}
        routes, skipped, _, _ = export.plan(config)  # the plan needs no mlx: main checks for it first
        self.assertNotIn("unsloth", routes)
        self.assertIn("not a peft adapter", skipped["unsloth"])
        self.assertIn("ollama", routes)


if __name__ == "__main__":
    unittest.main()
