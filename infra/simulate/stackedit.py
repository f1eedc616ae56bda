"""Write a recommended sizing into a stack file's ``gpu`` section, keeping the file's layout.

A ruamel.yaml round trip keeps comments, key order, quoting and flow style; only
``profile``, ``instance_types`` and ``max_gpus`` under ``config.teamstack:request.gpu`` change
(the section is created if the team had none). The new file is validated exactly as
``teamstack validate`` does; if it does not validate the old text is put back, so a write
never leaves a stack file that does not validate. Each replacement is atomic (a temporary
file renamed over it).
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from infra.errors import CheckFailed, UserError
from infra.stackfile import load


def read_gpu(path: Path) -> dict[str, Any]:
    """The stack's ``gpu`` section and time zone, validated (UserError if it does not load)."""
    result = load(path)
    if result.stack is None:
        raise UserError("\n".join(str(p) for p in result.problems))
    if result.stack.kind != "team":
        raise UserError(f"{path}: --stack needs a team stack (teamstack:request), not a "
                        "platform stack")
    team = result.stack.team
    info: dict[str, Any] = {"timezone": team.desktops.timezone if team.desktops else "UTC"}
    if team.gpu is not None:
        info.update(profile=team.gpu.profile, instance_types=list(team.gpu.instance_types),
                    max_gpus=team.gpu.max_gpus)
    return info


def write_gpu(path: Path, profile: str, instance_types: list[str], max_gpus: int) -> None:
    """Set the gpu section's sizing in place; CheckFailed (file untouched) if it would not
    validate."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    text = path.read_text(encoding="utf-8")
    doc = yaml.load(text)
    try:
        request = doc["config"]["teamstack:request"]
    except (KeyError, TypeError):
        raise UserError(f"{path}: no config.teamstack:request to write into") from None
    gpu = request.get("gpu")
    if gpu is None:
        gpu = CommentedMap()
        gpu.fa.set_flow_style()
        request["gpu"] = gpu
    gpu["profile"] = profile
    old = gpu.get("instance_types")
    types = CommentedSeq(instance_types)
    if isinstance(old, CommentedSeq) and old.fa.flow_style():
        types.fa.set_flow_style()
    elif not isinstance(old, CommentedSeq) and gpu.fa.flow_style():
        types.fa.set_flow_style()
    gpu["instance_types"] = types
    gpu["max_gpus"] = max_gpus
    out = io.StringIO()
    yaml.dump(doc, out)
    new_text = out.getvalue()
    _replace(path, new_text)
    checked = load(path)
    if checked.problems:
        _replace(path, text)
        raise CheckFailed(f"{path}: the recommended sizing would not validate; file left "
                          "unchanged", [str(p) for p in checked.problems])


def _replace(path: Path, text: str) -> None:
    """Atomically replace ``path``'s content (a temporary file renamed over it)."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
