"""llama.cpp's converter and quantizer for export.py (DESIGN §7), with no network at run time.

    python llama_tools.py [--bundle PATH] [--build-quantize] [--jobs N]   → one JSON line

node-llama-cpp ships, in llama/gitRelease.bundle, a git bundle of the llama.cpp tree its
runtime was built from. It is extracted once into ~/.cache/joco/llama.cpp-<tag>
($XDG_CACHE_HOME honoured), outside the checkout, so that the converter matches the
llama.cpp that later loads the GGUF. Where each tool is looked for, first hit wins:
  converter  LLAMA_CPP_DIR, the bundle, pip's `llama-convert-hf-to-gguf`, convert_hf_to_gguf.py on PATH
  quantizer  LLAMA_CPP_DIR/build/bin, PATH, a build cached beside the extracted bundle
             (built from it on request: llama_build.py)
Standard library only.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

REPO = Path(__file__).resolve().parent.parent
BUNDLE = REPO / "node_modules" / "node-llama-cpp" / "llama" / "gitRelease.bundle"
STAMP = ".joco-bundle.json"
Which = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Converter:
    command: tuple[str, ...]  # what to run, before the model folder and flags
    source: str  # where it was found, for the user
    pythonpath: str | None = None  # the gguf-py that matches this converter


@dataclass(frozen=True)
class LlamaCpp:
    converter: Converter | None
    quantizer: str | None
    notes: tuple[str, ...] = field(default=())  # why a candidate was passed over
    bundle: str | None = None  # node-llama-cpp's bundle, when there is one: llama_build builds from it

    def converter_env(self, env: Mapping[str, str] = os.environ) -> dict[str, str]:
        """The converter's environment: its own gguf-py first. The pip `gguf` 0.19.0 does not run the
        bundle's converter (AttributeError: DFLASH), and NO_LOCAL_GGUF would make it pick that one."""
        out = {k: v for k, v in env.items() if k != "NO_LOCAL_GGUF"}
        if self.converter and self.converter.pythonpath:
            out["PYTHONPATH"] = os.pathsep.join(p for p in (self.converter.pythonpath, env.get("PYTHONPATH")) if p)
        return out


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "joco"


def bundle_tag(bundle: Path) -> str:
    """llama.cpp.info.json beside the bundle names the release it holds (node-llama-cpp writes it)."""
    info = bundle.parent / "llama.cpp.info.json"
    tag = json.loads(info.read_text(encoding="utf-8")).get("tag") if info.is_file() else None
    return re.sub(r"[^A-Za-z0-9._-]", "_", tag or "unknown")


def bundle_commit(bundle: Path) -> str:
    heads = subprocess.run(["git", "bundle", "list-heads", str(bundle)], check=True, capture_output=True, text=True).stdout
    return heads.split()[0] if heads.strip() else ""


def extract_bundle(bundle: Path = BUNDLE, cache: Path | None = None) -> tuple[Path, float | None]:
    """The extracted tree and the seconds extraction took (None: it was already there).

    Extracted into a temporary folder beside the target and renamed into place, so that an
    interrupted extraction never looks done, and of two concurrent ones the second gives way."""
    if not bundle.is_file():
        raise FileNotFoundError(f"{bundle} not found: run `npm ci` (node-llama-cpp ships it)")
    if shutil.which("git") is None:
        raise FileNotFoundError("git is not on PATH: it is needed to unpack llama.cpp from node-llama-cpp's bundle")
    root = (cache or cache_dir()) / f"llama.cpp-{bundle_tag(bundle)}"
    commit = bundle_commit(bundle)
    stamp = root / STAMP
    if stamp.is_file() and json.loads(stamp.read_text(encoding="utf-8")).get("commit") == commit:
        return root, None
    root.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    temp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        subprocess.run(["git", "-c", "advice.detachedHead=false", "clone", "--quiet", str(bundle), str(temp / "tree")], check=True, stdout=sys.stderr, stderr=sys.stderr)
        tree = temp / "tree"
        shutil.rmtree(tree / ".git")  # 34 MB of history nobody reads
        seconds = time.monotonic() - started
        (tree / STAMP).write_text(json.dumps({"bundle": str(bundle), "commit": commit, "seconds": round(seconds, 1)}) + "\n")
        if root.exists():  # a stale extraction (another bundle under the same tag): moved aside, then dropped
            os.rename(root, temp / "old")
        try:
            os.rename(tree, root)
        except OSError:
            if not (root / STAMP).is_file():
                raise
            return root, None  # a concurrent extraction won the rename
        return root, seconds
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def converter_in(folder: Path, source: str) -> Converter | None:
    script = folder / "convert_hf_to_gguf.py"
    if not script.is_file() or not runs_standalone(script):
        return None
    gguf_py = folder / "gguf-py"
    return Converter((sys.executable, str(script)), source, str(gguf_py) if gguf_py.is_dir() else None)


def runs_standalone(script: Path) -> bool:
    """The current converter imports its sibling `conversion/` package: a copy without it cannot run."""
    text = script.read_text(encoding="utf-8", errors="replace")
    imports_package = re.search(r"^\s*from conversion(\.\w+)* import|^\s*import conversion", text, re.M)
    return not imports_package or (script.parent / "conversion" / "__init__.py").is_file()


def find_converter(env: Mapping[str, str], which: Which, bundle: Path | None, notes: list[str]) -> Converter | None:
    if env.get("LLAMA_CPP_DIR"):
        found = converter_in(Path(env["LLAMA_CPP_DIR"]), "LLAMA_CPP_DIR")
        if found:
            return found
        notes.append(f"LLAMA_CPP_DIR={env['LLAMA_CPP_DIR']} has no runnable convert_hf_to_gguf.py")
    if bundle is not None:
        try:
            root, _ = extract_bundle(bundle, cache_dir(env))
            found = converter_in(root, f"node-llama-cpp bundle ({root})")
            if found:
                return found
            notes.append(f"{root} has no runnable convert_hf_to_gguf.py")
        except (OSError, subprocess.CalledProcessError, ValueError) as error:
            notes.append(f"llama.cpp bundle: {error}")
    entry = which("llama-convert-hf-to-gguf")  # pip's llama-cpp-scripts: installed with conversion/
    if entry:
        return Converter((entry,), f"pip entry point {entry}")
    on_path = which("convert_hf_to_gguf.py")
    if on_path:
        found = converter_in(Path(on_path).resolve().parent, f"PATH ({on_path})")
        if found:
            return found
        notes.append(f"{on_path} is on PATH without its conversion/ package beside it, so it cannot run")
    return None


def find_quantizer(env: Mapping[str, str], which: Which, root: Path | None) -> str | None:
    candidates = []
    if env.get("LLAMA_CPP_DIR"):
        candidates += [Path(env["LLAMA_CPP_DIR"]) / sub / "llama-quantize" for sub in ("build/bin", "bin", ".")]
    on_path = which("llama-quantize")
    candidates += [Path(on_path)] if on_path else []
    if root is not None:
        candidates.append(root / "bin" / "llama-quantize")  # where llama_build.py leaves it
    return next((str(p) for p in candidates if p.is_file() and os.access(p, os.X_OK)), None)


def find_llama_cpp(env: Mapping[str, str] = os.environ, which: Which = shutil.which, bundle: Path | None = BUNDLE) -> LlamaCpp:
    notes: list[str] = []
    converter = find_converter(env, which, bundle if bundle is not None and bundle.is_file() else None, notes)
    root = cache_dir(env) / f"llama.cpp-{bundle_tag(bundle)}" if bundle is not None and bundle.is_file() else None
    return LlamaCpp(converter, find_quantizer(env, which, root), tuple(notes), str(bundle) if root else None)


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="Find (or build) llama.cpp's converter and quantizer; prints one JSON line.")
    parser.add_argument("--bundle", type=Path, default=BUNDLE, help="node-llama-cpp's gitRelease.bundle")
    parser.add_argument("--build-quantize", action="store_true", help="build llama-quantize from the bundle when none is found")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    tools = find_llama_cpp(bundle=args.bundle)
    built = None
    if args.build_quantize and not tools.quantizer:
        from llama_build import build_quantizer

        root, _ = extract_bundle(args.bundle, cache_dir())
        path, seconds = build_quantizer(root, jobs=args.jobs)
        tools, built = find_llama_cpp(bundle=args.bundle), {"path": str(path), "seconds": round(seconds, 1)}
    converter = tools.converter and {"command": list(tools.converter.command), "source": tools.converter.source}
    print(json.dumps({"converter": converter, "quantizer": tools.quantizer, "built": built, "notes": list(tools.notes)}))
    return 0 if tools.converter else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
