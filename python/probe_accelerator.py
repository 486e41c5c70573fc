"""What torch sees, as one JSON line, for the preflight of cell 05-train (lib/trainer-preflight.ts):

    {"torch": "2.8.0", "cuda": {"name", "free_bytes", "total_bytes"} | null, "mps": {"recommended_bytes"} | null}

`torch` is null (with `error`) when it cannot be imported.
"""
import json


def probe() -> dict:
    try:
        import torch
    except Exception as error:  # noqa: BLE001 — a broken install is reported, not raised
        return {"torch": None, "error": f"{type(error).__name__}: {error}", "cuda": None, "mps": None}
    info = {"torch": str(torch.__version__), "cuda": None, "mps": None}
    if torch.cuda.is_available():
        free, total = torch.cuda.mem_get_info(0)
        info["cuda"] = {"name": torch.cuda.get_device_name(0), "free_bytes": int(free), "total_bytes": int(total)}
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        recommended = getattr(torch.mps, "recommended_max_memory", None)
        info["mps"] = {"recommended_bytes": int(recommended()) if recommended else None}
    return info


if __name__ == "__main__":
    print(json.dumps(probe()))
