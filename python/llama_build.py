"""Builds llama-quantize from the extracted llama.cpp tree (llama_tools.extract_bundle), once.

Only the k-quants (Q4_K_M, Q5_K_M) need it: the converter writes F16 and Q8_0 itself. The
build takes about six minutes on two cores, so it happens only on request (export.py's
`buildQuantizer`, `llama_tools.py --build-quantize`) and the binary is cached in
<tree>/bin/llama-quantize, where llama_tools.find_quantizer looks. Standard library only.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# One static binary (it outlives the build folder); no server, tests, examples or app, no
# OpenSSL (nothing is downloaded); no Metal: quantizing runs on the CPU anyway.
CMAKE_FLAGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_SERVER=OFF",
    "-DLLAMA_BUILD_APP=OFF",
    "-DLLAMA_OPENSSL=OFF",
    "-DGGML_METAL=OFF",
)


def missing_build_tools(which=shutil.which) -> list[str]:
    tools = ["cmake", next((c for c in ("c++", "g++", "clang++") if which(c)), "a C++ compiler (c++, g++ or clang++)")]
    return [t for t in tools if not which(t)]


def build_quantizer(root: Path, jobs: int = 2, log=sys.stderr) -> tuple[Path, float]:
    """The cached binary and the seconds the build took (0 when it was already there)."""
    target = root / "bin" / "llama-quantize"
    if target.is_file() and os.access(target, os.X_OK):
        return target, 0.0
    missing = missing_build_tools()
    if missing:
        raise FileNotFoundError(f"building llama-quantize needs {' and '.join(missing)} (e.g. apt-get install cmake g++, or Xcode's command line tools)")
    started = time.monotonic()
    build = root / "build"
    subprocess.run(["cmake", "-S", str(root), "-B", str(build), *CMAKE_FLAGS], check=True, stdout=log, stderr=log)
    subprocess.run(["cmake", "--build", str(build), "--target", "llama-quantize", "-j", str(jobs)], check=True, stdout=log, stderr=log)
    built = next((p for p in (build / "bin" / "llama-quantize", build / "bin" / "Release" / "llama-quantize.exe") if p.is_file()), None)
    if built is None:
        raise FileNotFoundError(f"cmake finished but left no llama-quantize under {build / 'bin'}")
    target.parent.mkdir(exist_ok=True)
    partial = target.with_name(".llama-quantize.partial")
    shutil.copy2(built, partial)
    os.replace(partial, target)  # a copy cut short never looks like a cached build
    shutil.rmtree(build, ignore_errors=True)  # ~100 MB of objects; the static binary stands alone
    return target, time.monotonic() - started
