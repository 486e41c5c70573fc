"""Which training backend a run takes, and what fits in memory with mlx; standard library only.

    python backend_choice.py [--backend auto] [--base-model NAME] [--max-seq-length 2048] \
        [--batch-size 1] [--num-layers -1] [--lora-r 16] [--no-gradient-checkpointing]

prints one JSON object: {"machine", "backend", "reason", "note", "memory"}, for
`doctor` and 05-train's preflight. train.py calls `choose` itself.

`auto` takes unsloth on CUDA (when installed), mlx on Apple silicon (when mlx-lm is
installed) and transformers + peft ("hf") otherwise. CUDA is probed through torch,
and only when the answer can depend on it: on Apple silicon there is none, and an
mlx-only environment there has no torch at all.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
from dataclasses import asdict, dataclass
from typing import Callable

from mlx_memory import estimate_mlx_memory, guidance_for
from train_control import BackendError, choose_backend

MLX_INSTALL = "npm run setup:python -- --with-mlx"  # the mlx set (python/requirements-mlx.txt) into .venv


@dataclass(frozen=True)
class Machine:
    system: str  # platform.system(): Darwin, Linux, Windows
    arch: str  # platform.machine() of this Python: arm64, x86_64
    cuda: bool
    unsloth: bool
    mlx: bool  # mlx-lm importable
    memory_bytes: int | None
    rosetta: bool = False  # an x86_64 Python on an Apple silicon Mac

    @property
    def apple_silicon(self) -> bool:
        return self.system == "Darwin" and self.arch == "arm64"


@dataclass(frozen=True)
class Choice:
    backend: str
    reason: str  # why, for doctor and the logs
    note: str | None  # what train.py tells the user: a fallback or an unusual pick


def choose(requested: str, machine: Machine) -> Choice:
    if requested == "mlx":
        if not machine.mlx:
            raise BackendError("the mlx backend is selected but mlx-lm is not installed",
                               f"{MLX_INSTALL} (Metal on Apple silicon, MLX's CPU build on Linux), or set training.backend to \"auto\".")
        if machine.apple_silicon:
            return Choice("mlx", 'training.backend is "mlx" (Apple silicon)', None)
        return Choice("mlx", 'training.backend is "mlx", on the CPU (this is not Apple silicon): slow, meant for tests',
                      "mlx on the CPU (this is not Apple silicon): slow, meant for tests")
    if requested in ("unsloth", "hf"):
        backend, _ = choose_backend(requested, machine.unsloth, machine.cuda)  # raises what it always raised
        return Choice(backend, f'training.backend is "{requested}"', None)
    if machine.cuda and machine.unsloth:
        return Choice("unsloth", "auto: an NVIDIA GPU with CUDA, and unsloth is installed", None)
    if machine.apple_silicon and machine.mlx:
        return Choice("mlx", "auto: Apple silicon, and mlx-lm is installed", None)
    if machine.apple_silicon:
        why, where = f"Apple silicon but mlx-lm is not installed ({MLX_INSTALL})", " on MPS"
    elif machine.rosetta:
        why, where = "this Python runs under Rosetta (x86_64) on Apple silicon, where neither MPS nor MLX works: use an arm64 Python", ""
    elif machine.cuda:
        why, where = "an NVIDIA GPU but unsloth is not installed", " on CUDA"
    else:
        why, where = "no CUDA GPU and not Apple silicon", ""
    return Choice("hf", f"auto: {why}: transformers + peft{where}", f"using transformers + peft{where} ({why})")


def memory_bytes() -> int | None:
    try:
        if platform.system() == "Darwin":
            return int(subprocess.run(["sysctl", "-n", "hw.memsize"], capture_output=True, text=True, check=True).stdout)
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def under_rosetta() -> bool:
    if platform.system() != "Darwin" or platform.machine() != "x86_64":
        return False
    result = subprocess.run(["sysctl", "-n", "sysctl.proc_translated"], capture_output=True, text=True)
    return result.stdout.strip() == "1"


def torch_sees_cuda() -> bool:
    """doctor's probe: a missing or broken torch means no CUDA, not a crash."""
    try:
        import torch

        return bool(torch.cuda.is_available())
    except Exception:  # noqa: BLE001
        return False


def detect_machine(cuda_probe: Callable[[], bool] | None = torch_sees_cuda) -> Machine:
    """cuda_probe None: do not look (the answer cannot matter, e.g. backend "mlx")."""
    system, arch = platform.system(), platform.machine()
    apple = system == "Darwin" and arch == "arm64"
    return Machine(
        system=system, arch=arch,
        cuda=False if apple or cuda_probe is None else bool(cuda_probe()),
        unsloth=importlib.util.find_spec("unsloth") is not None,
        mlx=importlib.util.find_spec("mlx_lm") is not None,
        memory_bytes=memory_bytes(), rosetta=under_rosetta(),
    )


def report(arguments: argparse.Namespace, machine: Machine) -> dict:
    try:
        choice = asdict(choose(arguments.backend, machine))
    except BackendError as error:
        choice = {"backend": None, "reason": str(error), "note": error.hint}
    settings = {"base_model": arguments.base_model, "max_seq_length": arguments.max_seq_length, "batch_size": arguments.batch_size,
                "num_layers": arguments.num_layers, "lora_r": arguments.lora_r, "gradient_checkpointing": arguments.gradient_checkpointing}
    estimate = estimate_mlx_memory(**settings)
    return {"machine": {**asdict(machine), "apple_silicon": machine.apple_silicon}, **choice,
            "memory": {"estimate": estimate, "guidance": guidance_for(machine.memory_bytes, settings, estimate)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Which training backend `auto` picks here, and mlx memory guidance (JSON).")
    parser.add_argument("--backend", default="auto", choices=("auto", "unsloth", "hf", "mlx"))
    parser.add_argument("--base-model", default="unsloth/Qwen2.5-Coder-1.5B-bnb-4bit")
    parser.add_argument("--max-seq-length", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--num-layers", type=int, default=-1, help="training.mlx.numLayers (-1: all)")
    parser.add_argument("--lora-r", type=int, default=16)
    parser.add_argument("--no-gradient-checkpointing", dest="gradient_checkpointing", action="store_false")
    arguments = parser.parse_args(argv)
    print(json.dumps(report(arguments, detect_machine()), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
