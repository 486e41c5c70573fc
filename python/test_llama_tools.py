"""llama_tools: finding llama.cpp's converter and quantizer, and unpacking node-llama-cpp's bundle once.
Fast: the bundle here is a made-up llama.cpp tree of three files (the real one: test_export_e2e.py)."""
import json
import os
import shutil
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path

from llama_tools import STAMP, Converter, LlamaCpp, bundle_tag, extract_bundle, find_llama_cpp, runs_standalone

CONVERTER = "import sys\nfrom conversion import ModelBase\n"  # as the split converter imports its package
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]


def make_tree(root: Path, with_package: bool = True, text: str = CONVERTER) -> Path:
    (root / "gguf-py" / "gguf").mkdir(parents=True)
    (root / "gguf-py" / "gguf" / "__init__.py").write_text("")
    (root / "convert_hf_to_gguf.py").write_text(text)
    if with_package:
        (root / "conversion").mkdir()
        (root / "conversion" / "__init__.py").write_text("")
    return root


def make_bundle(folder: Path, tag: str = "b1234", marker: str = "one") -> Path:
    tree = make_tree(folder / f"src-{marker}")
    (tree / "marker").write_text(marker)
    subprocess.run([*GIT, "init", "-q", str(tree)], check=True)
    subprocess.run([*GIT, "-C", str(tree), "add", "-A"], check=True)
    subprocess.run([*GIT, "-C", str(tree), "commit", "-qm", marker], check=True)
    llama = folder / f"llama-{marker}"
    llama.mkdir()
    subprocess.run([*GIT, "-C", str(tree), "bundle", "create", "-q", str(llama / "gitRelease.bundle"), "HEAD"], check=True, capture_output=True)
    (llama / "llama.cpp.info.json").write_text(json.dumps({"tag": tag, "llamaCppGithubRepo": "ggml-org/llama.cpp"}))
    return llama / "gitRelease.bundle"


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@unittest.skipUnless(shutil.which("git"), "git is not on PATH")
class BundleTest(unittest.TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)
        self.env = {"XDG_CACHE_HOME": str(self.folder / "cache")}

    def test_extracted_once_into_the_cache_named_by_its_tag(self):
        bundle = make_bundle(self.folder)
        root, seconds = extract_bundle(bundle, self.folder / "cache" / "joco")
        self.assertEqual(root, self.folder / "cache" / "joco" / "llama.cpp-b1234")
        self.assertIsNotNone(seconds)
        self.assertTrue((root / "conversion" / "__init__.py").is_file())
        self.assertFalse((root / ".git").exists())
        self.assertEqual(extract_bundle(bundle, self.folder / "cache" / "joco"), (root, None))
        self.assertEqual([p.name for p in root.parent.iterdir()], ["llama.cpp-b1234"])  # no temporary folder left

    def test_a_different_bundle_under_the_same_tag_replaces_the_extraction(self):
        cache = self.folder / "cache" / "joco"
        root, _ = extract_bundle(make_bundle(self.folder, marker="one"), cache)
        again, seconds = extract_bundle(make_bundle(self.folder, marker="two"), cache)
        self.assertEqual((again, (again / "marker").read_text()), (root, "two"))
        self.assertIsNotNone(seconds)

    def test_the_converter_comes_from_the_bundle_with_its_own_gguf_py(self):
        bundle = make_bundle(self.folder)
        found = find_llama_cpp(self.env, which=lambda _: None, bundle=bundle)
        root = self.folder / "cache" / "joco" / "llama.cpp-b1234"
        self.assertEqual(found.converter.command[1], str(root / "convert_hf_to_gguf.py"))
        self.assertEqual(found.bundle, str(bundle))
        env = found.converter_env({"NO_LOCAL_GGUF": "1", "PYTHONPATH": "/x"})
        self.assertEqual(env["PYTHONPATH"], f"{root / 'gguf-py'}{os.pathsep}/x")
        self.assertNotIn("NO_LOCAL_GGUF", env)  # pip's gguf 0.19.0 does not run this converter
        self.assertIsNone(found.quantizer)
        built = executable(root / "bin" / "llama-quantize")  # where llama_build leaves it
        self.assertEqual(find_llama_cpp(self.env, which=lambda _: None, bundle=bundle).quantizer, str(built))

    def test_tags_become_safe_folder_names(self):
        bundle = make_bundle(self.folder, tag="v0.4.0/../x y")
        self.assertEqual(bundle_tag(bundle), "v0.4.0_.._x_y")


class FindTest(unittest.TestCase):
    def setUp(self):
        self.folder = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.folder)

    def test_llama_cpp_dir_comes_first(self):
        root = make_tree(self.folder / "llama.cpp")
        quantizer = executable(root / "build" / "bin" / "llama-quantize")
        found = find_llama_cpp({"LLAMA_CPP_DIR": str(root)}, which=lambda n: f"/usr/bin/{n}", bundle=None)
        self.assertEqual((found.converter.source, found.converter.command[1], found.quantizer), ("LLAMA_CPP_DIR", str(root / "convert_hf_to_gguf.py"), str(quantizer)))

    def test_a_converter_copied_without_its_conversion_package_is_passed_over(self):
        lone = make_tree(self.folder / "bin", with_package=False)
        self.assertFalse(runs_standalone(lone / "convert_hf_to_gguf.py"))
        self.assertTrue(runs_standalone(make_tree(self.folder / "old", False, "import gguf\n") / "convert_hf_to_gguf.py"))  # the one-file converter of old
        found = find_llama_cpp({}, which=lambda n: str(lone / n) if n == "convert_hf_to_gguf.py" else None, bundle=None)
        self.assertIsNone(found.converter)
        self.assertIn("without its conversion/ package", found.notes[0])

    def test_pips_entry_point_is_looked_for_before_path(self):
        entry = executable(self.folder / "llama-convert-hf-to-gguf")
        found = find_llama_cpp({}, which=lambda n: str(entry) if n == "llama-convert-hf-to-gguf" else None, bundle=None)
        self.assertEqual(found.converter, Converter((str(entry),), f"pip entry point {entry}"))
        self.assertEqual(found.converter_env({"A": "1"}), {"A": "1"})

    def test_nothing_found(self):
        self.assertEqual(find_llama_cpp({}, which=lambda _: None, bundle=None), LlamaCpp(None, None))


if __name__ == "__main__":
    unittest.main()
