"""Write a recommended sizing into a stack file's ``gpu`` section, keeping the file's layout.

A ruamel.yaml round trip of the ``gpu`` section (its comments, key order and flow style
kept) replaces that section's lines only: every other byte of the file stays as it was.
Only ``profile``, ``instance_types`` and ``max_gpus`` change (the section is appended to the
request if the team had none). The new file is validated exactly as
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
    info: dict[str, Any] = {"timezone": team.desktops.timezone if team.desktops else "UTC",
                            "region": result.stack.region}
    if team.gpu is not None:
        info.update(profile=team.gpu.profile, instance_types=list(team.gpu.instance_types),
                    max_gpus=team.gpu.max_gpus)
    return info


def write_gpu(path: Path, profile: str, instance_types: list[str], max_gpus: int) -> None:
    """Set the gpu section's sizing in place; CheckFailed (file untouched) if it would not
    validate."""
    yaml = YAML()  # round trip: ruamel's default type keeps comments and layout
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    text = path.read_text(encoding="utf-8")
    doc = yaml.load(text)
    try:
        request = doc["config"]["teamstack:request"]
        column = request.lc.col
    except (KeyError, TypeError, AttributeError):
        raise UserError(f"{path}: no config.teamstack:request mapping to write into") from None
    lines = text.splitlines(keepends=True)
    gpu = request.get("gpu")
    if isinstance(gpu, CommentedMap):
        first = request.lc.key("gpu")[0]
        last = _section_end(lines, first, request.lc.col)
        flow = gpu.fa.flow_style()
        _drop_comment_lines_after(gpu)
    else:
        gpu = CommentedMap()
        first = last = _section_end(lines, request.lc.line, request.lc.col - 1)
        flow = False
    gpu["profile"] = profile
    types = CommentedSeq(instance_types)
    old = gpu.get("instance_types")
    if flow or not isinstance(old, CommentedSeq) or old.fa.flow_style():
        types.fa.set_flow_style()
    gpu["instance_types"] = types
    gpu["max_gpus"] = max_gpus
    out = io.StringIO()
    yaml.dump({"gpu": gpu}, out)
    block = "".join(" " * column + line if line.strip() else line
                    for line in out.getvalue().splitlines(keepends=True))
    new_text = "".join(lines[:first]) + block + "".join(lines[last:])
    _replace(path, new_text)
    checked = load(path)
    if checked.problems:
        _replace(path, text)
        raise CheckFailed(f"{path}: the recommended sizing would not validate; file left "
                          "unchanged", [str(p) for p in checked.problems])


def _drop_comment_lines_after(gpu: CommentedMap) -> None:
    """Forget the blank and comment lines ruamel attached to the section's last value.

    They follow the section in the file, so the file keeps them (``_section_end`` stops
    before them); dumped again with the section they would be written twice, and once more
    at each write. A comment on the last value's own line is kept. (A block list's comments
    hang on its last item, but the only list, ``instance_types``, is replaced anyway.)
    """
    tokens = gpu.ca.items.get(next(reversed(gpu), None))
    if tokens and tokens[2] is not None:
        own_line, newline, _ = tokens[2].value.partition("\n")
        tokens[2].value = own_line + newline


def _section_end(lines: list[str], first: int, column: int) -> int:
    """The line after the section starting at line ``first``: the next line indented at most
    ``column``, less the blank and comment lines just before it."""
    end = len(lines)
    for number in range(first + 1, len(lines)):
        line = lines[number]
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#") and len(line) - len(stripped) <= column:
            end = number
            break
    while end > first + 1 and (not lines[end - 1].strip() or
                               lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _replace(path: Path, text: str) -> None:
    """Atomically replace ``path``'s content (a temporary file renamed over it)."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp_name, path)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
