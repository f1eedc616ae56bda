"""A problem found in a user's file, printed as one line an editor can jump to.

Format: ``FILE:LINE:COL: error: field.path: message`` (the shape compilers use, so terminals
and CI annotations link it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}:{self.col}: error: {where}{self.message}"


def format_path(parts: tuple[str | int, ...]) -> str:
    """``("storage", "buckets", 1, "name")`` -> ``storage.buckets[1].name``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
