"""export.py's progress protocol: one JSON object a line on stdout (start, step, done, error),
parsed by lib/export.ts. Tools' own output goes to stderr, never here."""
from __future__ import annotations

import json


def emit(event: str, **fields) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)
