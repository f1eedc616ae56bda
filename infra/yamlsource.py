"""YAML loading that remembers where every key and value came from.

pydantic tells us *which* field is wrong; only the YAML node tree knows *where* it is. We
compose the document once with ruamel.yaml (round-trip, so comments and order survive for
later edits), record the line and column of every key and value by path, and report
duplicate keys ourselves so that all of them are found, not only the first.

A stack file comes from a pull request, so parsing is bounded in every dimension before any
tree is built: nesting depth (the composer recurses), the number of nodes (after alias
expansion, so a "billion laughs" file stops at the limit instead of eating memory), the
length of a value and of a number (Python refuses to convert very long digit strings). Each
limit is a problem at the line and column where it is crossed.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from infra.problems import Problem, format_path

Path = tuple[str | int, ...]

# Limits far above any real stack file (tens of nodes, a few levels, short values) and far
# below what costs a noticeable second or megabyte.
MAX_DEPTH = 32
MAX_NODES = 3_000         # after expanding aliases (a 500-member team)
MAX_VALUE_CHARS = 4_096   # a key or a value
MAX_NUMBER_CHARS = 64     # a plain scalar that reads as a number
# The YAML scanner looks ahead along a line for a possible key at every open bracket, which
# costs (brackets on the line) squared: a line of a thousand '[' takes seconds. No stack file
# line holds more than a few.
MAX_BRACKETS_PER_LINE = 2 * MAX_DEPTH
NUMBER = re.compile(r"[-+]?(\.?[0-9][0-9_,:.]*([eE][-+]?[0-9]+)?|0[xob][0-9a-fA-F_]+)")


class TooLarge(Exception):
    """A document that crosses one of the limits; ``mark`` is where."""

    def __init__(self, message: str, line: int, col: int, path: Path = ()) -> None:
        super().__init__(message)
        self.message, self.line, self.col, self.path = message, line, col, path


@dataclass
class SourceMap:
    """Line/column (1-based) of each key and value in a document, by path."""

    file: str
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path, *, key: bool) -> tuple[int, int]:
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


def _brackets(text: str) -> None:
    """Refuse a line with more opening brackets than any real file has, before the scanner."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.count("[") + line.count("{") > MAX_BRACKETS_PER_LINE:
            seen = 0
            for col, char in enumerate(line, start=1):
                seen += char in "[{"
                if seen > MAX_BRACKETS_PER_LINE:
                    raise TooLarge(f"nested too deeply: more than {MAX_BRACKETS_PER_LINE} opening "
                                   "brackets on one line", number, col)


def _scan(text: str) -> None:
    """Check the limits on the event stream, which ruamel produces without recursion.

    The path of each event is tracked (a stack of open collections: a mapping's current key,
    a sequence's next index) so that a value over a limit is reported with its field.
    """
    nodes = 0
    # One entry per open collection: [is_mapping, expecting_key, key_or_index].
    stack: list[list[Any]] = []
    event: Event
    for event in YAML(typ="rt").parse(io.StringIO(text)):
        mark = event.start_mark
        where = (mark.line + 1, mark.column + 1)
        if isinstance(event, CollectionEndEvent):
            stack.pop()
            _advance(stack)
            continue
        if not isinstance(event, CollectionStartEvent | ScalarEvent | AliasEvent):
            continue
        nodes += 1
        is_key = bool(stack) and stack[-1][0] and stack[-1][1]
        path = _scan_path(stack)
        if nodes > MAX_NODES:
            raise TooLarge(f"more than {MAX_NODES:,} values in one file", *where, path)
        if isinstance(event, CollectionStartEvent):
            if len(stack) >= MAX_DEPTH:
                raise TooLarge(f"nested more than {MAX_DEPTH} levels deep", *where, path)
            stack.append([isinstance(event, MappingStartEvent), True, 0])
            continue
        value = getattr(event, "value", None) or ""
        what = "a key" if is_key else "a value"
        if len(value) > MAX_VALUE_CHARS:
            raise TooLarge(f"{what} of {len(value):,} characters; at most {MAX_VALUE_CHARS:,} "
                           "are allowed", *where, path)
        if isinstance(event, ScalarEvent) and event.style is None \
                and len(value) > MAX_NUMBER_CHARS and NUMBER.fullmatch(value):
            raise TooLarge(f"a number of {len(value):,} characters; at most "
                           f"{MAX_NUMBER_CHARS} are allowed", *where, path)
        if is_key:
            stack[-1][2] = value
            stack[-1][1] = False
        else:
            _advance(stack)


def _advance(stack: list[list[Any]]) -> None:
    """A value (scalar or collection) has ended inside the innermost open collection."""
    if not stack:
        return
    if stack[-1][0]:
        stack[-1][1] = True  # next comes a key
    else:
        stack[-1][2] += 1


def _scan_path(stack: list[list[Any]]) -> Path:
    parts: list[str | int] = []
    for is_mapping, expecting_key, part in stack:
        if is_mapping and expecting_key:
            break  # a key: its own path is its parent's
        parts.append(str(part) if is_mapping else part)
    return tuple(parts)


class _Budget:
    def __init__(self) -> None:
        self.left = MAX_NODES


def _walk(node: Node, path: Path, smap: SourceMap, problems: list[Problem],
          budget: _Budget | None = None, depth: int = 0) -> None:
    budget = budget or _Budget()
    budget.left -= 1
    where = (node.start_mark.line + 1, node.start_mark.column + 1)
    if budget.left < 0:
        raise TooLarge(f"expands to more than {MAX_NODES:,} values (through aliases); write "
                       "the values out or use fewer aliases", *where)
    if depth > MAX_DEPTH:
        raise TooLarge(f"nested more than {MAX_DEPTH} levels deep (through aliases)", *where)
    smap.values[path] = where
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
            _walk(value_node, child, smap, problems, budget, depth + 1)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), smap, problems, budget, depth + 1)


def parse(text: str, file: str) -> Document:
    """Parse one YAML document; syntax errors become problems instead of exceptions."""
    smap = SourceMap(file)
    problems: list[Problem] = []
    composer = YAML(typ="rt")
    try:
        _brackets(text)
        _scan(text)
        root = composer.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        return Document(None, smap, [Problem(file, line, col, "", f"YAML syntax: {what}")])
    except TooLarge as exc:
        return Document(None, smap, [Problem(file, exc.line, exc.col, format_path(exc.path),
                                             exc.message)])
    except ReaderError as exc:  # a character YAML does not allow (NUL, other controls)
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1])
        return Document(None, smap, [Problem(file, line, col, "", f"character U+{char:04X} is "
                                             "not allowed in YAML; remove it or write it "
                                             "escaped in double quotes")])
    except YAMLError as exc:
        return Document(None, smap, [Problem(file, 1, 1, "", f"YAML syntax: {exc}")])
    if root is None:
        return Document(None, smap, [Problem(file, 1, 1, "", "the file is empty")])
    try:
        _walk(root, (), smap, problems)
    except TooLarge as exc:
        return Document(None, smap, [Problem(file, exc.line, exc.col, "", exc.message)])
    loader = YAML(typ="safe", pure=True)
    loader.allow_duplicate_keys = True  # reported above, all of them, with positions
    try:
        data = loader.load(io.StringIO(text))
    except ValueError as exc:  # e.g. a value the constructor cannot convert
        problems.append(Problem(file, 1, 1, "", f"YAML: {exc}"))
        data = None
    except YAMLError as exc:  # a construct the safe loader refuses (e.g. a python tag)
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(file, line, col, "", f"YAML: {getattr(exc, 'problem', exc)}"))
        data = None
    return Document(data, smap, problems)
