"""Where things are in a teamstack repository, found from the working directory upwards."""

from __future__ import annotations

from pathlib import Path

from infra.errors import ToolError


def find_root(start: Path | None = None) -> Path:
    """The directory holding Pulumi.yaml: commands work from any sub-directory."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file() and (candidate / "stacks").is_dir():
            return candidate
    raise ToolError(f"not inside a teamstack repository (no Pulumi.yaml with stacks/ above {here})")


def stacks_dir(root: Path | None = None) -> Path:
    return (root or find_root()) / "stacks"
