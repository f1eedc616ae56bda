"""YAML loading that remembers where every key and value came from.

pydantic tells us *which* field is wrong; only the YAML node tree knows *where* it is. We
compose the document once with ruamel.yaml (round-trip, so comments and order survive for
later edits), record the line and column of every key and value by path, and report
duplicate keys ourselves so that all of them are found, not only the first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from infra.problems import Problem, format_path

Path = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Line/column (1-based) of each key and value in a document, by path."""

    file: str
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Best position for a path: the exact key/value, else the nearest ancestor."""
        table = (self.keys, self.values) if key else (self.values, self.keys)
        probe = tuple(path)
        while True:
            for t in table:
                if probe in t:
                    return t[probe]
            if not probe:
                return (1, 1)
            probe = probe[:-1]

    def problem(self, path: Path, message: str, *, key: bool = False, shown: Path | None = None,
                ) -> Problem:
        line, col = self.locate(path, key=key)
        return Problem(self.file, line, col, format_path(shown if shown is not None else path),
                       message)


@dataclass
class Document:
    data: Any
    source: SourceMap
    problems: list[Problem]


def _walk(node: Node, path: Path, smap: SourceMap, problems: list[Problem]) -> None:
    smap.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            child = (*path, key)
            pos = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in seen:
                problems.append(Problem(smap.file, pos[0], pos[1], format_path(child),
                                        f"duplicate key (first defined on line {seen[key]})"))
                continue
            seen[key] = pos[0]
            smap.keys[child] = pos
            _walk(value_node, child, smap, problems)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), smap, problems)


def parse(text: str, file: str) -> Document:
    """Parse one YAML document; syntax errors become problems instead of exceptions."""
    smap = SourceMap(file)
    problems: list[Problem] = []
    composer = YAML(typ="rt")
    try:
        root = composer.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        return Document(None, smap, [Problem(file, line, col, "", f"YAML syntax: {what}")])
    except YAMLError as exc:
        return Document(None, smap, [Problem(file, 1, 1, "", f"YAML syntax: {exc}")])
    if root is None:
        return Document(None, smap, [Problem(file, 1, 1, "", "the file is empty")])
    _walk(root, (), smap, problems)
    loader = YAML(typ="safe", pure=True)
    loader.allow_duplicate_keys = True  # reported above, all of them, with positions
    try:
        data = loader.load(io.StringIO(text))
    except YAMLError as exc:  # a construct the safe loader refuses (e.g. a python tag)
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(file, line, col, "", f"YAML: {getattr(exc, 'problem', exc)}"))
        data = None
    return Document(data, smap, problems)
