"""Both sides of a change as plain files: stacks/ at the base and at the head commit."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from infra.review.changes import ChangeSet, affected
from infra.review.gitrev import changed_files, commit_of, extract_stacks, merge_base


@dataclass
class Sides:
    base_commit: str
    head_commit: str
    base_stacks: Path
    head_stacks: Path
    changes: ChangeSet


class ChangeWorkspace:
    """Context manager: extracts both sides' stacks/ into a temporary directory.

    ``merge=True`` diffs against the merge base (what a pull request shows); otherwise
    against ``base`` itself (what a push to main changed since the previous push).
    """

    def __init__(self, root: Path, base: str, head: str = "HEAD", *, merge: bool = False,
                 program_affects_all: bool = True) -> None:
        self.root, self.base, self.head, self.merge = root, base, head, merge
        self.program_affects_all = program_affects_all
        self._tmp: Path | None = None

    def __enter__(self) -> Sides:
        head = commit_of(self.root, self.head)
        base = merge_base(self.root, self.base, head) if self.merge else commit_of(
            self.root, self.base)
        self._tmp = Path(tempfile.mkdtemp(prefix="teamstack-change-"))
        base_stacks = extract_stacks(self.root, base, self._tmp / "base")
        head_stacks = extract_stacks(self.root, head, self._tmp / "head")
        files = changed_files(self.root, base, head)
        return Sides(base, head, base_stacks, head_stacks,
                     affected(files, head_stacks, base_stacks,
                              program_affects_all=self.program_affects_all))

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
