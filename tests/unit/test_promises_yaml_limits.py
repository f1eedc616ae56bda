"""The promise (README "Security: who is trusted with what"): a stack file comes from a pull
request, so parsing is bounded in every dimension, and a file past a bound is refused with the
bound, at the place it is crossed, in the parser's own process, never with a traceback.

Each limit is shown from both sides: at the limit the file parses, one past it is refused.
"""

from __future__ import annotations

import pytest

from infra.yamlsource import (
    MAX_BRACKETS_PER_LINE,
    MAX_DEPTH,
    MAX_NUMBER_CHARS,
    MAX_VALUE_CHARS,
    parse,
)


def _nested(levels: int) -> str:
    return "".join("  " * i + f"k{i}:\n" for i in range(levels - 1)) + "  " * (levels - 1) + \
        "x: 1\n"


def _aliases(fan_out: int) -> str:
    """Four levels of aliases, each list holding the previous one fan_out times."""
    lines = ["a: &a [" + ", ".join("1" for _ in range(fan_out)) + "]"]
    for name, previous in (("b", "a"), ("c", "b"), ("d", "c")):
        lines.append(f"{name}: &{name} [" + ", ".join(f"*{previous}" for _ in range(fan_out)) + "]")
    lines.append("e: [" + ", ".join("*d" for _ in range(fan_out)) + "]")
    return "\n".join(lines) + "\n"


REFUSED: list[tuple[str, str, tuple[int, int, str, str]]] = [
    ("brackets", "a: " + "[" * (MAX_BRACKETS_PER_LINE + 1) + "\n",
     (1, 68, "", f"nested too deeply: more than {MAX_BRACKETS_PER_LINE} opening brackets on "
                 "one line")),
    ("depth", _nested(MAX_DEPTH + 1),
     (MAX_DEPTH + 1, 2 * MAX_DEPTH + 1, ".".join(f"k{i}" for i in range(MAX_DEPTH)),
      f"nested more than {MAX_DEPTH} levels deep")),
    ("long value", "a: " + "x" * (MAX_VALUE_CHARS + 1) + "\n",
     (1, 4, "a", f"a value of {MAX_VALUE_CHARS + 1:,} characters; at most "
                 f"{MAX_VALUE_CHARS:,} are allowed")),
    ("long number", "a: " + "1" * (MAX_NUMBER_CHARS + 1) + "\n",
     (1, 4, "a", f"a number of {MAX_NUMBER_CHARS + 1} characters; at most "
                 f"{MAX_NUMBER_CHARS} are allowed")),
    ("alias expansion", _aliases(10),  # 10**5 values
     (1, 32, "", "expands to more than 3,000 values (through aliases); write the values out or "
                 "use fewer aliases")),
]


@pytest.mark.parametrize(("name", "text", "problem"), REFUSED, ids=[row[0] for row in REFUSED])
def test_a_file_past_a_bound_is_refused_with_the_bound_where_it_is_crossed(
        name: str, text: str, problem: tuple[int, int, str, str]) -> None:
    document = parse(text, "f.yaml")
    assert document.data is None
    assert [(p.file, p.line, p.col, p.path, p.message) for p in document.problems] == [
        ("f.yaml", *problem)]


ACCEPTED: list[tuple[str, str]] = [
    ("brackets", "a: " + "[" * 8 + "]" * 8 + "\n"),
    ("depth", _nested(MAX_DEPTH)),
    ("long value", "a: " + "x" * MAX_VALUE_CHARS + "\n"),
    ("long number", "a: " + "1" * MAX_NUMBER_CHARS + "\n"),
    ("aliases within the bound", _aliases(4)),  # 4**5 = 1,024 values
]


@pytest.mark.parametrize(("name", "text"), ACCEPTED, ids=[row[0] for row in ACCEPTED])
def test_a_file_at_a_bound_parses(name: str, text: str) -> None:
    document = parse(text, "f.yaml")
    assert document.problems == [] and isinstance(document.data, dict)
