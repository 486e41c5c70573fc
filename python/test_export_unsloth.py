"""The unsloth route's file handling against a stand-in for save_pretrained_gguf that writes what
each Unsloth line writes (no unsloth, no torch): the 2025.10 line into the folder it is given,
the February 2026 line into <dir>_gguf/ with the model's name, returning {"gguf_files": ...}."""
import os
import shutil
import tempfile
import unittest
from pathlib import Path

from export_unsloth import pick_exported_gguf, returned_files, save_gguf_with_unsloth

MB = b"\0" * (1 << 20)


class StandInModel:
    def __init__(self, layout: str, fail: bool = False):
        self.layout, self.fail, self.calls = layout, fail, []

    def save_pretrained_gguf(self, save_directory, tokenizer, quantization_method="q8_0"):
        self.calls.append((save_directory, tokenizer, quantization_method))
        work = Path(save_directory)
        work.mkdir(parents=True)
        (work / "model.safetensors").write_bytes(MB * 3)  # the merged 16-bit copy it converts from
        tag = quantization_method.upper()
        if self.layout == "2025.10":
            folder, stem = work, "unsloth"
        else:
            folder, stem = Path(f"{save_directory}_gguf"), "qwen2.5-coder-1.5b"
            folder.mkdir()
        files = [folder / f"{stem}.BF16.gguf", folder / f"{stem}.{tag}.gguf"]
        for f in files:
            f.write_bytes(MB)
        if self.fail:
            raise RuntimeError("llama.cpp could not be built: no network")
        return {"gguf_files": [str(f) for f in files], "modelfile_location": None} if self.layout == "2026.2" else None


class UnslothLayoutsTest(unittest.TestCase):
    def setUp(self):
        self.out = Path(tempfile.mkdtemp()) / "joco-gguf"
        self.out.mkdir()
        self.addCleanup(shutil.rmtree, self.out.parent)

    def left_behind(self) -> list[str]:
        return sorted(str(p.relative_to(self.out.parent)) for p in self.out.parent.rglob("*") if p.is_file())

    def test_both_layouts_end_as_one_file_and_nothing_else(self):
        for layout in ("2025.10", "2026.2"):
            with self.subTest(layout=layout):
                model = StandInModel(layout)
                final = save_gguf_with_unsloth(model, "tok", self.out, "q4_k_m")
                self.assertEqual(final, self.out / "joco.Q4_K_M.gguf")
                self.assertEqual(model.calls, [(str(self.out / "unsloth"), "tok", "q4_k_m")])
                self.assertEqual(self.left_behind(), ["joco-gguf/joco.Q4_K_M.gguf"])  # no merged copy, no BF16 GGUF, no unsloth_gguf/
                final.unlink()

    def test_a_failed_save_leaves_nothing_behind_either(self):
        for layout in ("2025.10", "2026.2"):
            with self.subTest(layout=layout), self.assertRaisesRegex(RuntimeError, "could not be built"):
                save_gguf_with_unsloth(StandInModel(layout, fail=True), "tok", self.out, "q8_0")
            self.assertEqual(self.left_behind(), [])

    def test_no_file_in_the_quantization_asked_for_is_an_error_naming_what_was_found(self):
        with self.assertRaisesRegex(RuntimeError, r"wrote no Q5_K_M \.gguf .*Q4_K_M"):
            save_gguf_with_unsloth(_Writes("Q4_K_M"), "tok", self.out, "q5_k_m")
        self.assertEqual(self.left_behind(), [])

    def test_returned_files_whatever_the_version_returns(self):
        here = Path.cwd()
        self.assertEqual(returned_files({"gguf_files": ["a.Q8_0.gguf"]}), [here / "a.Q8_0.gguf"])
        self.assertEqual(returned_files(["x.gguf", "Modelfile", 3]), [here / "x.gguf"])
        self.assertEqual(returned_files("/m/y.gguf"), [Path("/m/y.gguf")])
        self.assertEqual((returned_files(None), returned_files({"other": 1})), ([], []))

    def test_picks_by_the_type_in_the_name_and_f16_is_not_bf16(self):
        names = ("unsloth.BF16.gguf", "model.Q4_K_M.gguf", "unsloth.Q8_0.gguf")
        paths = [self.out / n for n in names]
        for p in paths:
            p.write_text("")
        self.assertEqual(pick_exported_gguf(paths, "q4_k_m"), paths[1])
        self.assertEqual(pick_exported_gguf(paths, "q8_0"), paths[2])
        self.assertIsNone(pick_exported_gguf(paths, "f16"))


class _Writes:
    """A save that writes one GGUF of the given type into the sibling folder and returns nothing."""

    def __init__(self, tag: str):
        self.tag = tag

    def save_pretrained_gguf(self, save_directory, tokenizer, quantization_method="q8_0"):
        folder = Path(f"{save_directory}_gguf")
        folder.mkdir(parents=True)
        (folder / f"m.{self.tag}.gguf").write_bytes(b"GGUF")
        os.makedirs(save_directory)


if __name__ == "__main__":
    unittest.main()
