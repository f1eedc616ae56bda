"""A problem found in a user's file, printed as one line an editor can jump to.

Format: ``FILE:LINE:COL: error: field.path: message`` (the shape compilers use, so terminals
and CI annotations link it). The line stays one line whatever the file holds: control
characters (a newline inside a value, a terminal escape sequence) are shown escaped, and a
very long value is shortened, so a hostile value can neither split a problem nor flood a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MAX_FILE_CHARS = 200
MAX_PATH_CHARS = 120
MAX_MESSAGE_CHARS = 320
MAX_VALUE_CHARS = 60


def escape(text: str) -> str:
    """Control and other unprintable characters as Python escapes (``\\n``, ``\\x1b``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, the middle replaced by '...' (both ends stay readable)."""
    if len(text) <= limit:
        return text
    head = (limit - 3) * 2 // 3
    return text[:head] + "..." + text[len(text) - (limit - 3 - head):]


def shown(value: object) -> str:
    """A user's value quoted for a message: repr (escaped), shortened."""
    return shorten(repr(value), MAX_VALUE_CHARS)


def shown_path(path: Path | str) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    given = Path(path)
    if not given.is_absolute():
        return str(path)
    try:
        return str(given.relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{shorten(escape(self.path), MAX_PATH_CHARS)}: " if self.path else ""
        return (f"{shorten(escape(self.file), MAX_FILE_CHARS)}:{self.line}:{self.col}: error: "
                f"{where}{shorten(escape(self.message), MAX_MESSAGE_CHARS)}")


def format_path(parts: tuple[str | int, ...]) -> str:
    """``("storage", "buckets", 1, "name")`` -> ``storage.buckets[1].name``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def summary(count: int, files_with: int, files: int) -> str:
    """The closing line of a report: '3 problems in 2 of 5 files'."""
    noun = "problem" if count == 1 else "problems"
    return f"{count} {noun} in {files_with} of {files} files"
