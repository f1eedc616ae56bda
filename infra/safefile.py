"""Reading a user's file without trusting it: regular files only, size-bounded, never blocking.

A path on the command line or a name under ``stacks/`` can be anything: a directory, a
dangling or looping symlink, ``/dev/zero`` (endless), a FIFO (an ``open`` that never returns),
a 20 MB file, bytes that are not UTF-8. Each of those becomes one ``Unreadable`` with a message
a user can act on, and with the line and column of a bad byte, instead of a traceback, a hang
or unbounded memory.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


class Unreadable(Exception):
    """A file that cannot be read as text; ``line``/``col`` (1-based) locate a bad byte."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def open_regular(path: Path, limit: int) -> BinaryIO:
    """Open ``path`` for reading if it is a regular file of at most ``limit`` bytes.

    ``stat`` first so a directory or device is refused by its kind; ``O_NONBLOCK`` so that a
    FIFO swapped in between the check and the open cannot block; ``fstat`` after the open so
    the check applies to what was actually opened.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise Unreadable(f"broken symbolic link (to {os.readlink(path)})") from None
        raise Unreadable("no such file") from None
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    _check_kind(info, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    try:
        _check_kind(os.fstat(fd), limit)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _check_kind(info: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable("is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable("not a regular file (a device, FIFO or socket); give a file")
    if info.st_size > limit:
        raise Unreadable(f"the file is too large ({_size(info.st_size)}); at most "
                         f"{_size(limit)} is read")


def read_text(path: Path, limit: int) -> str:
    """The whole file as UTF-8 text (a leading byte-order mark dropped)."""
    with open_regular(path, limit) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:  # grew after the check
        raise Unreadable(f"the file is larger than {_size(limit)}")
    return decode(data).removeprefix("\ufeff")


def decode(data: bytes, first_line: int = 1) -> str:
    """UTF-8 text, or ``Unreadable`` at the line and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = first_line + data.count(b"\n", 0, exc.start)
        col = len(data[start:exc.start].decode("utf-8", errors="replace")) + 1
        raise Unreadable(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded; "
                         "save the file as UTF-8", line, col) from None


def text_lines(handle: BinaryIO) -> Iterator[str]:
    """Lines of a binary stream decoded one by one, so a bad byte is reported at its line."""
    for number, raw in enumerate(handle, start=1):
        yield decode(raw, number)
